/*! chat-widget loader (docs: README, docs/configuration.md) */
/* One <script> tag embeds the widget; window.ChatWidget queues calls until it is ready. The
 * widget (chat_widget.js + chat_widget_bg.wasm, beside this file; CORS when on another origin)
 * loads on the first pointer over / focus on / click of the launcher or call that needs it,
 * after the page's load when the browser is idle ("idle", the default), at once ("eager" or a
 * saved conversation), or only on interest ("intent"). `preload` comes from the configuration,
 * else the tag's data-preload. */
(function (w, d) {
  "use strict";
  var script = d.currentScript;
  var existing = w.ChatWidget;
  if (existing && existing.__loader) return; // included twice
  var perf = w.performance;
  perf.mark("chat-widget:loader");
  var base = (script && script.src) ? new URL(".", script.src).href : new URL(".", d.baseURI).href;
  var KEY = "chat-widget:v1";
  var queue = [];
  var listeners = {};
  var handle = null;
  var failed = null;
  var wasm = null; // the wasm exports, once loaded
  var started = false; // loading has begun
  var gone = false; // the widget is mounted (or failed): the loader's launcher is not needed
  var host = null; // the loader's launcher: <chat-widget-launcher>, its button
  var button;
  var clicked = null; // the queued "open" of a click before the widget was ready
  var vars = {};
  var loadError = null;
  var attr = (n) => script && script.getAttribute(n);
  var obj = (x) => x && typeof x == "object" ? x : 0;
  var bodyReady = new Promise((r) => {
    if (d.body) r();
    else d.addEventListener("DOMContentLoaded", r);
  });

  function emit(name, detail) {
    var fns = (listeners[name] || []).concat(listeners["*"] || []);
    for (var i = 0; i < fns.length; i++) {
      try { fns[i](detail, name); } catch (e) { console.error("chat widget: listener for '" + name + "' threw", e); }
    }
  }

  // `lazy` calls only set state: they wait in the queue without loading the widget.
  function call(method, args, lazy) {
    if (handle) return handle[method].apply(handle, args);
    queue.push([method, args]);
    if (!lazy) load();
    return undefined;
  }

  var api = {
    __loader: true,
    open: () => { call("open", []); },
    close: () => { call("close", [], 1); },
    toggle: () => { call("toggle", []); },
    /** Sends text as the visitor; queued until the widget is ready. */
    send: (text) => call("send", [String(text)]),
    /** Values for {{vars.NAME}} in message texts. */
    setVariables: (v) => { call("setVariables", [vars = v || {}], 1); },
    /** Hidden pre-chat fields for the agent (MIAW routing attributes / Live Chat details). */
    setHiddenPrechatFields: (fields) => { call("setHiddenPrechatFields", [fields || {}], 1); },
    /** Verified users (MIAW): the identity JWT your site signed for the signed-in customer. */
    setIdentityToken: (jwt) => { call("setIdentityToken", [String(jwt)], 1); },
    /** The agent conversation's id (MIAW conversation / Live Chat session), or null. */
    getConversationId: () => handle ? (handle.getConversationId() || null) : null,
    /** Subscribes to an event ("ready", "open", "close", "message", "handoff:requested",
     *  "conversation:started", "agent:joined", "agent:left", "conversation:closed",
     *  "conversation:ended", "error", ... or "*" for all; see README); returns an
     *  unsubscribe function. */
    on: (name, fn) => {
      if (typeof fn != "function") throw TypeError("ChatWidget.on: fn must be a function");
      (listeners[name] = listeners[name] || []).push(fn);
      return () => {
        var l = listeners[name] || [];
        var i = l.indexOf(fn);
        if (i >= 0) l.splice(i, 1);
      };
    },
    /** Removes the widget and forgets the saved conversation. */
    destroy: () => { call("destroy", []); },
    isReady: () => handle !== null,
    /** The loading error, if the widget could not be loaded. */
    error: () => failed,
    /** Diagnostics: { wasmMemoryBytes } once the wasm is loaded, else null. */
    stats: () => wasm ? { wasmMemoryBytes: wasm.memory.buffer.byteLength } : null
  };
  w.ChatWidget = api;

  // The configuration: inline at once; with data-config-url fetched now (window.ChatWidgetConfig,
  // when also set, overrides the fetched options). Resolves to the options object (or null).
  // The inline object is read once, as JSON: a cyclic object, a BigInt, a Symbol or function
  // value, a throwing getter or Proxy is a configuration error (shown by the widget), never an
  // exception for the page.
  var inline = w.ChatWidgetConfig;
  if (inline !== undefined) {
    try {
      inline = JSON.stringify(inline, (k, v) => {
        var t = typeof v;
        if (/^(sy|bi|fu)/.test(t)) throw Error((k || "it") + " is a " + t);
        return v;
      });
      if (!inline) throw Error("it is not a JSON value");
      inline = JSON.parse(inline);
    } catch (e) {
      loadError = "window.ChatWidgetConfig cannot be read: " + e.message;
      inline = null;
    }
  }
  var url = attr("data-config-url");
  var full = url && new URL(url, d.baseURI).href;
  var config = url ? fetch(full, { credentials: "same-origin" }).then((r) => {
    if (!r.ok) throw Error("could not load the configuration from " + full + " (HTTP " + r.status + ")");
    return r.arrayBuffer();
  }).then((b) => JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(b))).then((fetched) => {
    return obj(inline) && obj(fetched) ? Object.assign(fetched, inline) : fetched;
  }).catch((e) => {
    loadError = "could not load the configuration: " + String(e && e.message || e).replace(/^Error: /, "");
    return null;
  }) : Promise.resolve(inline === undefined ? null : inline);

  // With an async tag, a page may queue calls in an array before this script runs:
  //   window.ChatWidget = window.ChatWidget || []; ChatWidget.push(["on", "ready", fn], ["open"]);
  if (Array.isArray(existing)) {
    for (var q = 0; q < existing.length; q++) {
      var m = existing[q] && api[existing[q][0]];
      if (typeof m === "function") m.apply(api, existing[q].slice(1));
    }
  }

  // Calls f once, at the next animation frame (or after 100 ms in a hidden tab).
  function frame(f) {
    var done = 0;
    var g = () => { if (!done++) f(); };
    requestAnimationFrame(g);
    setTimeout(g, 100);
  }

  function drop() {
    gone = true;
    if (host) host.remove();
  }

  // Loads the glue and the wasm in parallel (the wasm's Response goes to the glue's init), then
  // mounts the widget and replays the queued calls in order.
  function load(low) {
    if (started) return;
    started = true;
    var glue = base + "chat_widget.js";
    var bin = fetch(base + "chat_widget_bg.wasm", low ? { priority: "low" } : {});
    bin.catch(Object); // reported through the glue's init
    var mod = import(glue).then((m) => {
      return m.default({ module_or_path: bin }).then((x) => { wasm = x; return m; });
    });
    // Only English is compiled into the wasm: the visitor's language comes as data, fetched
    // beside the wasm (missing: the widget says so and shows English).
    var texts = config.then((c) => {
      var t = label(c)[2];
      return t == "en" ? null : fetch(base + "messages/" + t + ".json").then((r) => r.ok ? r.text() : null, () => null);
    });
    // Mounted in a task of its own, not in the one that compiled the wasm (two shorter tasks
    // rather than one long one on a slow phone).
    Promise.all([config, mod, bodyReady, texts]).then((r) => new Promise((f) => setTimeout(f, 0, r))).then((r) => {
      var c = r[0];
      var h = r[1].mount(c, loadError, emit, r[3]);
      // Once the widget's own launcher is on screen, it replaces the loader's (focus moves
      // along, so a queued open from the launcher focuses the message box).
      frame(() => {
        var wl = d.querySelector("chat-widget");
        wl = wl && wl.shadowRoot && wl.shadowRoot.querySelector(".cw-launcher");
        if (host && d.activeElement === host && wl) wl.focus();
        drop();
        handle = h;
        var pending = queue;
        queue = [];
        for (var i = 0; i < pending.length; i++) {
          var fn = handle[pending[i][0]];
          if (typeof fn === "function") fn.apply(handle, pending[i][1]);
        }
        emit("ready", {});
      });
    }).catch((e) => {
      failed = String(e && e.message || e);
      drop();
      console.error("chat widget: could not load from " + base + " (" + failed + "); on another origin it needs CORS, and .wasm served as application/wasm");
      emit("error", { message: failed });
    });
  }

  // The launcher's accessible name: the language of the configuration, <html lang>, then the
  // browser's, the first with shipped texts or `messages` overrides (as the widget picks it).
  var TEXT = { en: "Open chat", de: "Chat öffnen", fr: "Ouvrir le chat", es: "Abrir el chat", ar: "فتح المحادثة" };
  function tag(t) {
    return typeof t == "string" && t.trim().toLowerCase().replace(/_/g, "-");
  }
  function chain(t) {
    for (var l = []; t; t = t.replace(/-?[^-]*$/, "")) l.push(t);
    return l;
  }
  // [language, launcher label, the shipped language whose texts it uses]
  function label(c) {
    c = obj(c) || {};
    var own = {};
    var msgs = c.messages;
    for (var k in msgs) if (tag(k) && obj(msgs[k])) own[tag(k)] = msgs[k];
    var lang = [c.language, d.documentElement.lang].concat(navigator.languages || navigator.language).map(tag)
      .map((t) => chain(t).filter((x) => TEXT[x] || own[x])[0])
      .filter(Boolean)[0] || "en";
    var l = chain(lang).concat("en");
    var shipped = l.filter((x) => TEXT[x])[0];
    for (var i = 0; i < l.length; i++) {
      var s = own[l[i]] && own[l[i]].launcherOpenLabel;
      if (typeof s == "string" && s.trim()) {
        return [lang, s.replace(/\{\{\s*vars\.([\w-]+)\s*\}\}/g, (_, n) => vars[n] == null ? "" : vars[n]), shipped];
      }
      if (TEXT[l[i]]) return [lang, TEXT[l[i]], shipped];
    }
  }

  var CSS = ":host{all:initial!important}" +
    "button{--a:var(--chat-accent,var(--A,#1d4ed8));--t:var(--chat-accent-text,var(--T,#fff));--s:var(--chat-launcher-size,60px);--o:var(--chat-offset,20px);" +
    "position:fixed;bottom:calc(var(--o) + env(safe-area-inset-bottom,0px));right:var(--o);z-index:var(--chat-z-index,2147483000);width:var(--s);height:var(--s);" +
    "padding:0;border-radius:50%;border:none;background:var(--a);color:var(--t);display:grid;place-items:center;" +
    "box-shadow:var(--chat-shadow,0 12px 40px rgba(0,0,0,.18));cursor:pointer;transition:transform .15s ease}" +
    "button:hover{transform:scale(1.05)}button:focus-visible{outline:3px solid var(--chat-focus-ring,#b45309);outline-offset:2px}" +
    ".l{left:var(--o);right:auto}svg{width:24px;height:24px;display:block;fill:currentColor}img{width:40%}[dir=rtl] svg{transform:scaleX(-1)}" +
    "[aria-busy=true]{cursor:progress}[aria-busy=true] svg{animation:p .8s infinite alternate}@keyframes p{to{opacity:.45}}" +
    ".dark{--A:#60a5fa;--T:#0b1220}@media (prefers-color-scheme:dark){.auto{--A:#60a5fa;--T:#0b1220}}" +
    "@media (prefers-reduced-motion:reduce){button,svg{transition:none!important;animation:none!important}}";

  var NS = "http://www.w3.org/2000/svg";
  function make(name, attrs, parent, ns) {
    var el = ns ? d.createElementNS(NS, name) : d.createElement(name);
    for (var k in attrs) el.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(el);
    return el;
  }

  // A click before the widget is ready queues one "open"; a second click takes it back (the
  // launcher is a toggle), a third queues it again. The widget keeps loading either way.
  function click() {
    load();
    var i = queue.indexOf(clicked);
    if (i >= 0) {
      queue.splice(i, 1);
      clicked = null;
    } else queue.push(clicked = ["open", []]);
    var b = String(!!clicked);
    button.setAttribute("aria-busy", b);
    button.setAttribute("aria-expanded", b);
  }

  // The loader's launcher: the widget's look, drawn before any of the widget has loaded.
  function draw(c) {
    if (gone || host) return;
    var text = label(c);
    var theme = c.theme;
    host = make("chat-widget-launcher", {});
    var root = host.attachShadow({ mode: "open" });
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      make("style", {}, root).textContent = CSS;
    }
    button = make("button", {
      type: "button",
      "class": (c.position == "bottom-left" ? "l " : "") + (theme == "dark" || theme == "light" ? theme : "auto"),
      "aria-label": text[1],
      "aria-expanded": "false",
      lang: text[0],
      dir: /^(ar|fa|he|ur)\b/.test(text[0]) ? "rtl" : "ltr"
    }, root);
    // brand.launcherIcon: a URL or an inline SVG, shown as an image like the widget does
    // (which also validates it and reports a bad one).
    // (An <img> runs no script whatever its URL says.)
    var i = (c.brand || 0).launcherIcon;
    if (typeof i == "string") {
      if (/^\s*<svg/i.test(i)) i = "data:image/svg+xml," + encodeURIComponent(i.replace(/<svg(?![^>]*xmlns=)/i, "<svg xmlns='" + NS + "'"));
      make("img", { src: i, alt: "" }, button);
    } else make("path", { d: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z" },
      make("svg", { viewBox: "0 0 24 24", "aria-hidden": "true" }, button, 1), 1);
    button.onpointerenter = button.onfocus = () => { load(); };
    button.onclick = click;
    d.body.appendChild(host);
    perf.mark("chat-widget:launcher");
  }

  function setup(c) {
    c = obj(c) || {};
    var p = c.preload != null ? c.preload : attr("data-preload") || "idle";
    // Any other value: "idle" (the widget reports it with the configuration's problems).
    // The launcher first, then the work of loading.
    if (d.body) draw(c);
    else bodyReady.then(() => { draw(c); });
    // A window that opens on load needs the widget at once.
    if (p == "eager" || c.openOnLoad === true) load();
    else if (p != "intent") {
      // requestIdleCallback, else setTimeout (the options object counts as no delay there)
      var idle = () => { (w.requestIdleCallback || setTimeout)(() => { load(1); }, { timeout: 3000 }); };
      if (d.readyState == "complete") idle();
      else w.addEventListener("load", idle);
    }
  }

  if (url) config.then(setup);
  else setup(inline);
  // A saved conversation (an agent chat may be running) resumes at once, whatever `preload` says.
  try {
    if (localStorage.getItem(KEY) || sessionStorage.getItem(KEY)) load();
  } catch (e) { /* storage blocked: nothing saved either */ }
})(window, document);
