/* The theme studio (theme.html; docs/theme-studio.md): one frame per widget state
 * (theme-frame.html?state=NAME), controls for every --chat-* property of docs/theming.md set
 * live on every frame's root element (custom properties cross the Shadow DOM boundary),
 * WCAG AA contrast checks of the colours the widget resolves, and the CSS / configuration to
 * export. Plain JS, no dependencies. */
(function (w, d) {
  "use strict";

  /** The states of theme-frame.js (its STATES), in the order a visitor meets them. */
  var STATES = [
    { name: "badge", label: "Launcher, closed, with an unread badge" },
    { name: "greeting", label: "Greeting with quick replies" },
    { name: "long-answer", label: "A long bot answer" },
    { name: "statuses", label: "Visitor messages: delivered, read, not sent, sending" },
    { name: "prechat", label: "Pre-chat form with errors" },
    { name: "queue", label: "Queue position (Live Chat)" },
    { name: "agent", label: "Agent joined" },
    { name: "files", label: "Files from the agent and the visitor" },
    { name: "typing", label: "Agent typing" },
    { name: "connection", label: "Connection lost" },
    { name: "ended", label: "Chat ended by the agent" }
  ];

  /** Every --chat-* property (docs/theming.md) and the widget's internal property holding its
   *  resolved value (www/chat-widget.css, `--_*` on `.cw-root`). */
  var COLOURS = [
    ["--chat-accent", "--_accent", "launcher, header, send button, quick-reply outline, visitor bubbles"],
    ["--chat-accent-text", "--_accent-text", "text on the accent colour"],
    ["--chat-background", "--_bg", "window background"],
    ["--chat-surface", "--_surface", "composer field, notices"],
    ["--chat-text", "--_text", "text"],
    ["--chat-muted-text", "--_muted", "sender names, times, status"],
    ["--chat-border", "--_border", "borders"],
    ["--chat-bot-bubble", "--_bot-bg", "bot messages"],
    ["--chat-bot-bubble-text", "--_bot-text", "bot message text"],
    ["--chat-agent-bubble", "--_agent-bg", "agent messages"],
    ["--chat-agent-bubble-text", "--_agent-text", "agent message text"],
    ["--chat-visitor-bubble", "--_visitor-bg", "visitor messages"],
    ["--chat-visitor-bubble-text", "--_visitor-text", "visitor message text"],
    ["--chat-system-text", "--_system-text", "system notices"],
    ["--chat-error", "--_error", "failed messages, error notices"],
    ["--chat-badge-background", "--_badge-bg", "unread badge on the launcher"],
    ["--chat-badge-text", "--_badge-text", "unread count on the badge"],
    ["--chat-focus-ring", "--_focus", "keyboard focus outline"]
  ].map(function (c) { return { name: c[0], internal: c[1], use: c[2], kind: "colour" }; });

  var OTHERS = [
    { name: "--chat-font-family", internal: "--_font", use: "all text", kind: "text" },
    { name: "--chat-font-size", internal: "--_font-size", use: "base size", kind: "range", min: 12, max: 22, step: 1, unit: "px" },
    { name: "--chat-radius", internal: "--_radius", use: "window corners", kind: "range", min: 0, max: 32, step: 1, unit: "px" },
    { name: "--chat-bubble-radius", internal: "--_bubble-radius", use: "message bubbles", kind: "range", min: 0, max: 28, step: 1, unit: "px" },
    { name: "--chat-spacing", internal: "--_gap", use: "inner padding", kind: "range", min: 4, max: 28, step: 1, unit: "px" },
    { name: "--chat-window-width", internal: "--_width", use: "window width", kind: "number", min: 280, max: 640, step: 10, unit: "px" },
    { name: "--chat-window-height", internal: "--_height", use: "window height (capped by the viewport)", kind: "number", min: 360, max: 900, step: 10, unit: "px" },
    { name: "--chat-launcher-size", internal: "--_launcher-size", use: "launcher diameter", kind: "range", min: 40, max: 80, step: 1, unit: "px" },
    { name: "--chat-offset", internal: "--_offset", use: "distance from the screen corner", kind: "range", min: 0, max: 48, step: 1, unit: "px" },
    { name: "--chat-z-index", internal: "--_z", use: "stacking order", kind: "number", min: 0, max: 2147483647, step: 1, unit: "" },
    { name: "--chat-shadow", internal: "--_shadow", use: "window and launcher shadow", kind: "text" }
  ];
  var PROPS = COLOURS.concat(OTHERS);

  /** The text/background pairs the widget draws (www/chat-widget.css), with the AA minimum. */
  var PAIRS = [
    { id: "text-background", label: "Text / background", fg: "--_text", bg: "--_bg", min: 4.5 },
    { id: "muted-background", label: "Muted text / background", fg: "--_muted", bg: "--_bg", min: 4.5 },
    { id: "system-background", label: "System text / background", fg: "--_system-text", bg: "--_bg", min: 4.5 },
    { id: "text-surface", label: "Text / surface", fg: "--_text", bg: "--_surface", min: 4.5 },
    { id: "accent-text-accent", label: "Accent text / accent", fg: "--_accent-text", bg: "--_accent", min: 4.5 },
    { id: "accent-background", label: "Accent / background (quick replies)", fg: "--_accent", bg: "--_bg", min: 4.5 },
    { id: "bot-bubble", label: "Bot bubble text / bubble", fg: "--_bot-text", bg: "--_bot-bg", min: 4.5 },
    { id: "agent-bubble", label: "Agent bubble text / bubble", fg: "--_agent-text", bg: "--_agent-bg", min: 4.5 },
    { id: "visitor-bubble", label: "Visitor bubble text / bubble", fg: "--_visitor-text", bg: "--_visitor-bg", min: 4.5 },
    { id: "error-background", label: "Error / background", fg: "--_error", bg: "--_bg", min: 4.5 },
    { id: "badge", label: "Badge text / badge", fg: "--_badge-text", bg: "--_badge-bg", min: 4.5 },
    { id: "focus-background", label: "Focus ring / background", fg: "--_focus", bg: "--_bg", min: 3 }
  ];

  var overrides = {}; // property name -> value set by the designer
  var scheme = "light";
  var rtl = false;
  var frames = []; // {name, iframe, status}
  var controls = {}; // property name -> {row, main, value?, out?, reset}

  function $(id) { return d.getElementById(id); }
  function el(tag, attrs, parent, textContent) {
    var e = d.createElement(tag);
    for (var k in attrs || {}) if (attrs[k] != null) e.setAttribute(k, attrs[k]);
    if (textContent != null) e.textContent = textContent;
    if (parent) parent.appendChild(e);
    return e;
  }
  function idOf(name) { return "prop-" + name.replace(/^--/, ""); }

  // ---------------------------------------------------------------------------------------
  // Frames.
  function frameUrl(state) {
    return "theme-frame.html?state=" + encodeURIComponent(state) + "&theme=" + scheme + "&lang=" + (rtl ? "ar" : "en");
  }

  function addFrame(parent, state, label, mobile) {
    var fig = el("figure", { "class": "state" + (mobile ? " mobile" : ""), "data-state": state }, parent);
    var cap = el("figcaption", {}, fig);
    var title = el("span", {}, cap, label);
    var status = el("span", { "class": "status" }, cap, "loading…");
    var iframe = el("iframe", {
      src: frameUrl(state),
      title: "Chat widget: " + label + (mobile ? " (phone)" : ""),
      "data-state": state
    }, fig);
    if (mobile) iframe.setAttribute("data-mobile", "");
    var f = { name: state, iframe: iframe, status: status, title: title, mobile: !!mobile };
    iframe.addEventListener("load", function () {
      apply(f);
      refresh();
    });
    frames.push(f);
    return f;
  }

  function reloadFrames() {
    frames.forEach(function (f) {
      f.status.textContent = "loading…";
      f.status.className = "status";
      f.iframe.src = frameUrl(f.name);
    });
  }

  /** Sets (or removes) every property on the frame's root element. */
  function apply(f) {
    var doc;
    try { doc = f.iframe.contentDocument; } catch (e) { return; }
    if (!doc || !doc.documentElement) return;
    var style = doc.documentElement.style;
    PROPS.forEach(function (p) {
      if (overrides[p.name] != null) style.setProperty(p.name, overrides[p.name]);
      else style.removeProperty(p.name);
    });
  }
  function applyAll() { frames.forEach(apply); }

  w.addEventListener("message", function (e) {
    var m = e.data;
    if (e.origin !== location.origin || !m || !m.studioFrame) return;
    frames.forEach(function (f) {
      if (f.iframe.contentWindow !== e.source) return;
      var text = { running: "loading…", reached: "ready", failed: "not reached: " + m.detail }[m.status] || m.status;
      f.status.textContent = text;
      f.status.className = "status " + m.status;
    });
    refresh();
  });

  /** The widget root of a frame whose widget has mounted (the "agent" frame first). */
  function widgetRoot() {
    var order = frames.slice().sort(function (a, b) { return (b.name === "agent") - (a.name === "agent"); });
    for (var i = 0; i < order.length; i++) {
      try {
        var host = order[i].iframe.contentDocument.querySelector("chat-widget");
        var r = host && host.shadowRoot && host.shadowRoot.querySelector(".cw-root");
        if (r) return r;
      } catch (e) { /* not loaded */ }
    }
    return null;
  }

  function resolved(root, internal) {
    return root.ownerDocument.defaultView.getComputedStyle(root).getPropertyValue(internal).trim();
  }

  // ---------------------------------------------------------------------------------------
  // Colours: any CSS colour → [r, g, b, a] (0–255, alpha 0–1), through a probe element, and a
  // canvas for the formats a computed colour keeps (oklch(), color(), ...).
  var probe = el("span", { "aria-hidden": "true", style: "position:absolute;left:-9999px;top:0" }, d.body);
  var canvas = d.createElement("canvas");
  canvas.width = canvas.height = 1;
  var ctx = canvas.getContext("2d", { willReadFrequently: true });

  function toRgba(value) {
    if (!value) return null;
    probe.style.color = "";
    probe.style.color = value;
    if (!probe.style.color) return null; // not a colour
    var c = getComputedStyle(probe).color;
    var m = c.match(/^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/);
    if (m) {
      var a = m[4] == null ? 1 : (/%$/.test(m[4]) ? parseFloat(m[4]) / 100 : parseFloat(m[4]));
      return [+m[1], +m[2], +m[3], a];
    }
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = "#000";
    ctx.fillStyle = c;
    ctx.fillRect(0, 0, 1, 1);
    var px = ctx.getImageData(0, 0, 1, 1).data;
    return [px[0], px[1], px[2], px[3] / 255];
  }
  function over(fg, bg) {
    var a = fg[3];
    return [0, 1, 2].map(function (i) { return fg[i] * a + bg[i] * (1 - a); }).concat(1);
  }
  function luminance(c) {
    var v = [0, 1, 2].map(function (i) {
      var s = c[i] / 255;
      return s <= 0.04045 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }
  function ratio(fg, bg) {
    var l1 = luminance(fg), l2 = luminance(bg);
    return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  }
  function hex(c) {
    return "#" + c.slice(0, 3).map(function (x) { return ("0" + Math.round(x).toString(16)).slice(-2); }).join("");
  }
  function css(c) { return "rgb(" + c.slice(0, 3).map(Math.round).join(" ") + ")"; }

  // ---------------------------------------------------------------------------------------
  // Controls.
  function setOverride(name, value) {
    if (value == null || value === "") delete overrides[name];
    else overrides[name] = value;
    var c = controls[name];
    c.row.classList.toggle("changed", overrides[name] != null);
    c.reset.disabled = overrides[name] == null;
    applyAll();
    refresh();
  }

  function resetButton(p, row) {
    var b = el("button", { type: "button", "class": "reset", "aria-label": "Reset " + p.name, title: "Reset " + p.name, disabled: "" }, row, "\u21ba");
    b.addEventListener("click", function () { setOverride(p.name, null); });
    return b;
  }

  function buildControls() {
    COLOURS.forEach(function (p) {
      var row = el("div", { "class": "prop" }, $("colours"));
      el("label", { "for": idOf(p.name) }, row, p.name);
      var reset = resetButton(p, row);
      var inputs = el("div", { "class": "inputs" }, row);
      var main = el("input", { type: "color", id: idOf(p.name), "aria-describedby": idOf(p.name) + "-use" }, inputs);
      var value = el("input", { type: "text", id: idOf(p.name) + "-value", "aria-label": p.name + " as any CSS colour", "aria-describedby": idOf(p.name) + "-use", spellcheck: "false" }, inputs);
      el("span", { id: idOf(p.name) + "-use", "class": "use" }, row, p.use);
      main.addEventListener("input", function () {
        value.value = main.value;
        setOverride(p.name, main.value);
      });
      main.addEventListener("change", function () {
        value.value = main.value;
        setOverride(p.name, main.value);
      });
      value.addEventListener("change", function () {
        var v = value.value.trim();
        if (v && !toRgba(v)) {
          value.setAttribute("aria-invalid", "true");
          return;
        }
        value.removeAttribute("aria-invalid");
        var rgba = v && toRgba(v);
        if (rgba) main.value = hex(rgba); // the picker has no alpha: the nearest opaque colour
        setOverride(p.name, v);
      });
      controls[p.name] = { row: row, main: main, value: value, reset: reset, prop: p };
    });

    OTHERS.forEach(function (p) {
      var row = el("div", { "class": "prop" }, $("type-sizes"));
      el("label", { "for": idOf(p.name) }, row, p.name);
      var reset = resetButton(p, row);
      var text = p.kind === "text";
      var inputs = el("div", { "class": "inputs" + (text ? " wide-row" : "") }, row);
      var main, out = null;
      if (text) {
        main = el("input", { type: "text", id: idOf(p.name), "class": "wide", spellcheck: "false", "aria-describedby": idOf(p.name) + "-use" }, inputs);
      } else {
        main = el("input", { type: p.kind, id: idOf(p.name), min: p.min, max: p.max, step: p.step, "aria-describedby": idOf(p.name) + "-use" }, inputs);
        if (p.kind === "range") out = el("output", { "for": idOf(p.name) }, inputs);
      }
      el("span", { id: idOf(p.name) + "-use", "class": "use" }, row, p.use);
      var onChange = function () {
        var v = main.value.trim();
        if (p.kind !== "text") {
          if (v === "" || isNaN(+v)) return;
          v = v + p.unit;
          if (out) out.textContent = v;
        }
        setOverride(p.name, v);
      };
      main.addEventListener("input", onChange);
      main.addEventListener("change", onChange);
      controls[p.name] = { row: row, main: main, out: out, reset: reset, prop: p };
    });

    $("reset-all").addEventListener("click", function () {
      overrides = {};
      PROPS.forEach(function (p) {
        controls[p.name].row.classList.remove("changed");
        controls[p.name].reset.disabled = true;
      });
      applyAll();
      refresh(true);
    });
  }

  /** Shows the resolved value in every control the designer has not set (or all: `force`). */
  function showResolved(root, force) {
    PROPS.forEach(function (p) {
      var c = controls[p.name];
      if (overrides[p.name] != null && !force) return;
      var v = resolved(root, p.internal);
      if (p.kind === "colour") {
        var rgba = toRgba(v);
        if (rgba) c.main.value = hex(rgba);
        if (d.activeElement !== c.value) c.value.value = v;
      } else if (p.kind === "text") {
        if (d.activeElement !== c.main) c.main.value = v;
      } else {
        var n = parseFloat(v);
        if (!isNaN(n) && d.activeElement !== c.main) c.main.value = n;
        if (c.out) c.out.textContent = v;
      }
    });
  }

  // ---------------------------------------------------------------------------------------
  // Contrast checks.
  function buildContrast() {
    PAIRS.forEach(function (p) {
      var tr = el("tr", { "data-pair": p.id }, $("contrast-rows"));
      el("th", { scope: "row" }, tr, p.label);
      var sample = el("td", {}, tr);
      p.swatch = el("span", { "class": "swatch", "aria-hidden": "true" }, sample, p.min === 3 ? "\u25a2" : "Aa");
      p.ratioCell = el("td", { "class": "ratio" }, tr, "—");
      p.verdict = el("td", { "class": "verdict" }, tr, "—");
      p.row = tr;
    });
  }

  function checkContrast(root) {
    var failing = [];
    var white = [255, 255, 255, 1];
    PAIRS.forEach(function (p) {
      var bgRaw = toRgba(resolved(root, p.bg));
      var fgRaw = toRgba(resolved(root, p.fg));
      if (!bgRaw || !fgRaw) {
        p.ratioCell.textContent = "?";
        p.verdict.textContent = "not a colour";
        return;
      }
      var bg = over(bgRaw, white);
      var fg = over(fgRaw, bg);
      var r = ratio(fg, bg);
      var pass = r >= p.min;
      p.swatch.style.background = css(bg);
      p.swatch.style.color = css(fg);
      if (p.min === 3) {
        p.swatch.style.color = "transparent";
        p.swatch.style.boxShadow = "inset 0 0 0 3px " + css(fg);
      }
      p.ratioCell.textContent = (Math.floor(r * 100) / 100).toFixed(2) + ":1";
      p.verdict.textContent = pass ? "Pass" : "\u26a0 Fails AA (needs " + p.min + ":1)";
      p.row.className = pass ? "pass" : "fail";
      p.row.setAttribute("data-pass", String(pass));
      p.row.setAttribute("data-ratio", r.toFixed(2));
      if (!pass) failing.push(p.label);
    });
    var s = $("contrast-summary");
    s.className = failing.length ? "bad" : "";
    s.textContent = failing.length
      ? "\u26a0 " + failing.length + " of " + PAIRS.length + " pairs fail WCAG AA: " + failing.join(", ") + "."
      : "All " + PAIRS.length + " pairs pass WCAG AA.";
  }

  // ---------------------------------------------------------------------------------------
  // Export.
  function exportText() {
    var lines = PROPS.filter(function (p) { return overrides[p.name] != null; })
      .map(function (p) { return "  " + p.name + ": " + overrides[p.name] + ";"; });
    $("export-css").textContent = lines.length
      ? ":root {\n" + lines.join("\n") + "\n}\n"
      : "/* No property changed: the widget's defaults apply. */\n";
    $("export-config").textContent = "{\"theme\": \"" + scheme + "\"}\n";
  }

  function copy(button, source, status) {
    $(button).addEventListener("click", function () {
      var text = $(source).textContent;
      var done = function () { $(status).textContent = "Copied."; };
      var fallback = function () {
        var t = el("textarea", { "aria-hidden": "true", style: "position:fixed;left:-9999px" }, d.body);
        t.value = text;
        t.select();
        var ok = false;
        try { ok = d.execCommand("copy"); } catch (e) { ok = false; }
        t.remove();
        if (ok) done();
        else $(status).textContent = "The browser refused: select the text above and copy it.";
      };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, fallback);
      else fallback();
      setTimeout(function () { $(status).textContent = ""; }, 4000);
    });
  }

  // ---------------------------------------------------------------------------------------
  var pending = false;
  var forceNext = false;
  /** Re-reads the resolved colours (next frame: after the frames restyled). */
  function refresh(force) {
    exportText();
    if (force) forceNext = true;
    if (pending) return;
    pending = true;
    var run = function () {
      if (!pending) return;
      pending = false;
      var root = widgetRoot();
      if (!root) return;
      showResolved(root, forceNext);
      forceNext = false;
      checkContrast(root);
    };
    requestAnimationFrame(run);
    setTimeout(run, 100); // a hidden tab gets no animation frames
  }

  function init() {
    buildControls();
    buildContrast();
    var grid = $("grid");
    STATES.forEach(function (s) { addFrame(grid, s.name, s.label, false); });
    var select = $("phone-state");
    STATES.forEach(function (s) {
      el("option", { value: s.name, selected: s.name === "agent" ? "" : null }, select, s.label);
    });
    var phone = addFrame($("phone"), "agent", "Phone: " + STATES.filter(function (s) { return s.name === "agent"; })[0].label, true);
    select.addEventListener("change", function () {
      var s = STATES.filter(function (x) { return x.name === select.value; })[0];
      phone.name = s.name;
      phone.title.textContent = "Phone: " + s.label;
      phone.iframe.setAttribute("data-state", s.name);
      phone.iframe.title = "Chat widget: " + s.label + " (phone)";
      phone.iframe.closest("figure").setAttribute("data-state", s.name);
      phone.status.textContent = "loading…";
      phone.iframe.src = frameUrl(s.name);
    });
    Array.prototype.forEach.call(d.querySelectorAll("input[name=scheme]"), function (r) {
      r.addEventListener("change", function () {
        if (!r.checked) return;
        scheme = r.value;
        reloadFrames();
        refresh(true);
      });
    });
    $("rtl").addEventListener("change", function () {
      rtl = $("rtl").checked;
      reloadFrames();
    });
    copy("copy-css", "export-css", "copy-css-status");
    copy("copy-config", "export-config", "copy-config-status");
    exportText();
  }

  /** For tests and the console. */
  w.ThemeStudio = {
    states: STATES,
    properties: PROPS.map(function (p) { return p.name; }),
    overrides: function () { return JSON.parse(JSON.stringify(overrides)); },
    refresh: refresh
  };

  init();
})(window, document);
