/*! chat-widget loader: one <script> tag embeds the chat widget.
 *
 *   <script src="https://cdn.example/chat-widget.js" data-config-url="/chat-config.json" async></script>
 *
 * or set `window.ChatWidgetConfig = {...}` before the tag. `window.ChatWidget` is usable at once;
 * calls made before the widget has loaded are queued and replayed in order.
 * The widget files (chat_widget.js, chat_widget_bg.wasm) are loaded from the folder of this
 * script, which may be another origin than the page (it must then send CORS headers).
 */
(function (w, d) {
  "use strict";
  var script = d.currentScript;
  var existing = w.ChatWidget;
  if (existing && existing.__loader) return; // included twice
  var base = (script && script.src) ? new URL(".", script.src).href : new URL(".", d.baseURI).href;
  var queue = [];
  var listeners = {};
  var handle = null;
  var failed = null;

  function emit(name, detail) {
    var fns = (listeners[name] || []).concat(listeners["*"] || []);
    for (var i = 0; i < fns.length; i++) {
      try { fns[i](detail, name); } catch (e) { console.error("chat widget: listener for '" + name + "' threw", e); }
    }
  }

  function call(method, args) {
    if (handle) return handle[method].apply(handle, args);
    queue.push([method, args]);
    return undefined;
  }

  var api = {
    __loader: true,
    open: function () { call("open", []); },
    close: function () { call("close", []); },
    toggle: function () { call("toggle", []); },
    /** Sends text as the visitor; queued until the widget is ready. */
    send: function (text) { return call("send", [String(text)]); },
    /** Values for {{vars.NAME}} in message texts. */
    setVariables: function (vars) { call("setVariables", [vars || {}]); },
    /** Hidden pre-chat fields for the agent (MIAW routing attributes / Live Chat details). */
    setHiddenPrechatFields: function (fields) { call("setHiddenPrechatFields", [fields || {}]); },
    /** Verified users (MIAW): the identity JWT your site signed for the signed-in customer. */
    setIdentityToken: function (jwt) { call("setIdentityToken", [String(jwt)]); },
    /** The agent conversation's id (MIAW conversation / Live Chat session), or null. */
    getConversationId: function () { return handle ? (handle.getConversationId() || null) : null; },
    /** Subscribes to an event ("ready", "open", "close", "message", "handoff:requested",
     *  "conversation:started", "agent:joined", "agent:left", "conversation:closed",
     *  "conversation:ended", "error", ... or "*" for all; see README); returns an
     *  unsubscribe function. */
    on: function (name, fn) {
      if (typeof fn !== "function") throw new TypeError("ChatWidget.on(name, fn): fn must be a function");
      (listeners[name] = listeners[name] || []).push(fn);
      return function () {
        var l = listeners[name] || [];
        var i = l.indexOf(fn);
        if (i >= 0) l.splice(i, 1);
      };
    },
    /** Removes the widget and forgets the saved conversation. */
    destroy: function () { call("destroy", []); },
    isReady: function () { return handle !== null; },
    /** The loading error, if the widget could not be loaded. */
    error: function () { return failed; }
  };
  w.ChatWidget = api;
  // With an async tag, a page may queue calls in an array before this script runs:
  //   window.ChatWidget = window.ChatWidget || []; ChatWidget.push(["on", "ready", fn], ["open"]);
  if (Array.isArray(existing)) {
    for (var q = 0; q < existing.length; q++) {
      var m = existing[q] && api[existing[q][0]];
      if (typeof m === "function") m.apply(api, existing[q].slice(1));
    }
  }

  function configText() {
    var inline = w.ChatWidgetConfig;
    var url = script && script.getAttribute("data-config-url");
    if (!url) {
      return Promise.resolve(inline === undefined ? null : JSON.stringify(inline));
    }
    var full = new URL(url, d.baseURI).href;
    return fetch(full, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("could not load the configuration from " + full + " (HTTP " + r.status + ")");
      return r.json();
    }).then(function (fetched) {
      // window.ChatWidgetConfig, when also set, overrides the fetched options
      if (inline && typeof inline === "object" && fetched && typeof fetched === "object") {
        for (var k in inline) if (Object.prototype.hasOwnProperty.call(inline, k)) fetched[k] = inline[k];
      }
      return JSON.stringify(fetched);
    }, function (e) {
      throw { configError: String(e && e.message || e).replace(/^Error: /, "") };
    });
  }

  // MIAW verified users: `handoff.miaw.identityTokenFunction` names a global function that
  // returns the customer's identity JWT (or a promise of it); it is called whenever the widget
  // asks for a token ("identity:needed").
  function identityFunction(text) {
    var name;
    try { name = JSON.parse(text).handoff.miaw.identityTokenFunction; } catch (e) { return; }
    if (typeof name !== "string") return;
    api.on("identity:needed", function () {
      var fn = name.split(".").reduce(function (o, k) { return o && o[k]; }, w);
      if (typeof fn !== "function") {
        console.error("chat widget: handoff.miaw.identityTokenFunction \"" + name + "\" is not a function on this page");
        return;
      }
      Promise.resolve().then(fn).then(function (jwt) {
        if (jwt) handle.setIdentityToken(String(jwt));
      }, function (e) { console.error("chat widget: " + name + "() failed", e); });
    });
  }

  function start() {
    var loadError = null;
    var cfg = configText().catch(function (e) {
      if (e && e.configError) { loadError = "could not load the configuration: " + e.configError; return null; }
      throw e;
    });
    var mod = import(base + "chat_widget.js").then(function (m) {
      return m.default({ module_or_path: base + "chat_widget_bg.wasm" }).then(function () { return m; });
    });
    Promise.all([cfg, mod]).then(function (r) {
      identityFunction(r[0]); // listening before mount: no request for a token is missed
      handle = r[1].mount(r[0], loadError, emit);
      var pending = queue;
      queue = [];
      for (var i = 0; i < pending.length; i++) {
        var fn = handle[pending[i][0]];
        if (typeof fn === "function") fn.apply(handle, pending[i][1]);
      }
      emit("ready", {});
    }).catch(function (e) {
      failed = String(e && e.message || e);
      console.error("chat widget: could not load from " + base + " (" + failed + "). If the widget files are on another origin, it must send Access-Control-Allow-Origin and serve .wasm as application/wasm.");
      emit("error", { message: failed });
    });
  }

  if (d.body) start();
  else d.addEventListener("DOMContentLoaded", start);
})(window, document);
