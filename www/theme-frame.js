/* Theme studio frame (theme-frame.html?state=NAME&theme=light|dark|auto&lang=TAG).
 *
 * Runs BEFORE the widget's loader. It
 *  1. sets window.ChatWidgetConfig for the state (a local bot; a MIAW or Live Chat hand-off to a
 *     fake Salesforce host);
 *  2. installs the fixture transport: window.fetch answers every request to the fake hosts from
 *     the small in-page servers below and passes every other request (the widget's own files)
 *     through. Nothing reaches a Salesforce server, or any server but the one serving the page;
 *  3. once the widget is ready, drives the REAL widget into the state through its page API
 *     (ChatWidget.open/send/close) and the fake servers (SSE frames pushed on the MIAW event
 *     stream, Live Chat long-poll answers), then marks the state reached:
 *     <html data-studio="reached"> and a message to the parent page.
 *
 * Adding a state: one entry in STATES below (see docs/theme-studio.md). */
(function (w, d) {
  "use strict";

  var params = new URLSearchParams(location.search);
  var stateName = params.get("state") || "agent";
  var theme = /^(light|dark|auto)$/.test(params.get("theme") || "") ? params.get("theme") : "light";
  var lang = params.get("lang") || "en";
  d.documentElement.lang = lang;
  if (theme === "dark") d.documentElement.classList.add("dark");

  /** The fake Salesforce hosts (never contacted: the fixture transport answers for them). */
  var MIAW_URL = "https://studio.my.salesforce-scrt.com";
  var LIVE_URL = "https://d.la1-c1-studio.salesforceliveagent.com";
  var realFetch = w.fetch.bind(w);
  var realSetTimeout = w.setTimeout.bind(w);
  var sleep = function (ms) { return new Promise(function (r) { realSetTimeout(r, ms); }); };
  var encoder = new TextEncoder();

  function abortError() {
    return new DOMException("The operation was aborted.", "AbortError");
  }
  function json(status, body) {
    return new Response(body == null ? null : JSON.stringify(body), {
      status: status,
      headers: { "Content-Type": "application/json" }
    });
  }
  function text(status, body) {
    return new Response(body, { status: status, headers: { "Content-Type": "text/plain" } });
  }
  /** A promise that never settles (a request the server never answers; aborts still reject). */
  function never() { return new Promise(function () {}); }

  // ---------------------------------------------------------------------------------------
  // Clock: the "connection lost" line only shows after 3 s of outage; that frame runs the
  // widget's clock (Date.now, setTimeout) faster for a moment so the state is reached at once.
  var clock = { speed: 1, base: Date.now(), virt: Date.now() };
  var realNow = Date.now.bind(Date);
  function virtualNow() { return clock.virt + (realNow() - clock.base) * clock.speed; }
  function setSpeed(s) {
    clock.virt = virtualNow();
    clock.base = realNow();
    clock.speed = s;
  }
  if (stateName === "connection") {
    Date.now = function () { return Math.floor(virtualNow()); };
    w.setTimeout = function (fn, delay) {
      var args = Array.prototype.slice.call(arguments, 2);
      return realSetTimeout.apply(w, [fn, (Number(delay) || 0) / clock.speed].concat(args));
    };
  }

  // ---------------------------------------------------------------------------------------
  // The fake MIAW server (paths and shapes: crates/sf-emulator/src/miaw.rs, shared/spec/miaw.md,
  // crates/chat-core/tests/handoff_miaw.rs).
  function MiawServer() {
    this.conv = null;
    this.seq = 0;
    this.stream = null; // the ReadableStream controller of the open event stream
    this.down = false; // every request fails as on a dead network
    this.onMessage = null; // function(text, id) -> "sent" | "delivered" | "read" | "failed" | "sending"
    this.requests = [];
    var me = this;
    this.connected = new Promise(function (r) { me._connected = r; });
  }

  MiawServer.prototype.route = function (req) {
    var me = this;
    var p = req.path;
    var api = "/iamessage/api/v2";
    if (this.down) return Promise.reject(new TypeError("Failed to fetch (studio: the connection is down)"));
    if (p === api + "/authorization/unauthenticated/access-token" ||
        p === api + "/authorization/authenticated/access-token" ||
        p === api + "/authorization/continuation-access-token") {
      return Promise.resolve(json(200, { accessToken: "studio-token", lastEventId: "0", context: {} }));
    }
    if (p === "/eventrouter/v1/sse") return Promise.resolve(this.openStream(req));
    if (req.method === "POST" && p === api + "/conversation") {
      var body = JSON.parse(req.body || "{}");
      this.conv = body.conversationId || "studio-conversation";
      return Promise.resolve(json(201, { conversationId: this.conv }));
    }
    var m = p.match(/^\/iamessage\/api\/v2\/conversation\/([^/]+)(\/[a-z-]+)?$/);
    if (!m) return Promise.resolve(json(404, { message: "not faked by the theme studio: " + p }));
    var what = m[2] || "";
    if (what === "/entries") {
      // The one history read after the stream connects: nothing said before.
      realSetTimeout(function () { me._connected(); }, 0);
      return Promise.resolve(json(200, { conversationEntries: [] }));
    }
    if (what === "/message") {
      var msg = JSON.parse(req.body || "{}").message || {};
      var said = msg.staticContent ? msg.staticContent.text : "";
      var plan = this.onMessage ? this.onMessage(said, msg.id) : "sent";
      if (plan === "sending") return never();
      if (plan === "failed") return Promise.resolve(json(400, { status: 400, message: "Refused by the studio fixture" }));
      this.afterSend(plan, msg.id);
      return Promise.resolve(json(202, null));
    }
    if (what === "/file") {
      var id = null;
      try {
        var entry = req.body && req.body.get && req.body.get("messageEntry");
        if (entry && entry.text) return entry.text().then(function (t) {
          id = (JSON.parse(t).message || {}).id;
          me.afterSend("delivered", id);
          return json(202, null);
        });
      } catch (e) { /* answer anyway */ }
      return Promise.resolve(json(202, null));
    }
    if (req.method === "DELETE") return Promise.resolve(new Response(null, { status: 204 }));
    // typing (/entry), receipts (/acknowledge-entries), anything else: accepted.
    return Promise.resolve(json(202, null));
  };

  /** After a 202: delivery / read acknowledgements on the stream, as the agent's app sends them. */
  MiawServer.prototype.afterSend = function (plan, id) {
    var me = this;
    if (plan !== "delivered" && plan !== "read") return;
    realSetTimeout(function () {
      me.push(me.ack(false, id));
      if (plan === "read") realSetTimeout(function () { me.push(me.ack(true, id)); }, 60);
    }, 60);
  };

  MiawServer.prototype.openStream = function (req) {
    var me = this;
    var controller;
    var body = new ReadableStream({
      start: function (c) { controller = c; },
      cancel: function () { if (me.stream === controller) me.stream = null; }
    });
    if (req.signal) {
      req.signal.addEventListener("abort", function () {
        try { controller.error(abortError()); } catch (e) { /* already closed */ }
        if (me.stream === controller) me.stream = null;
      }, { once: true });
    }
    this.stream = controller;
    return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
  };

  /** Pushes SSE frames (text) on the open stream. */
  MiawServer.prototype.push = function (frames) {
    if (!this.stream) return false;
    try { this.stream.enqueue(encoder.encode(frames)); } catch (e) { return false; }
    return true;
  };

  /** The stream breaks (a network reset) and every request fails from now on. */
  MiawServer.prototype.goDown = function () {
    this.down = true;
    if (this.stream) {
      try { this.stream.error(new TypeError("network error (studio: the connection dropped)")); } catch (e) { /* closed */ }
      this.stream = null;
    }
  };

  /** One SSE frame, as crates/chat-core/tests/miaw_support.rs `frame()` builds it. */
  MiawServer.prototype.frame = function (event, entryType, payload, role, name, related) {
    this.seq += 1;
    var now = Date.now();
    var data = {
      channelPlatformKey: "k", channelType: "embedded_messaging", channelAddressIdentifier: "0Mj",
      conversationId: this.conv,
      conversationEntry: {
        identifier: payload.id, entryType: entryType, entryPayload: JSON.stringify(payload),
        sender: { role: role, appType: "studio", subject: "s" },
        senderDisplayName: name, clientTimestamp: now, transcriptedTimestamp: now,
        relatedRecords: related || []
      }
    };
    return "id: " + now + ":" + this.seq + "\nevent: " + event + "\ndata: " + JSON.stringify(data) + "\n\n";
  };
  MiawServer.prototype.nextId = function (prefix) { return "studio-" + prefix + "-" + (this.seq + 1); };
  MiawServer.prototype.joined = function (agent) {
    var id = this.nextId("p");
    return this.frame("CONVERSATION_PARTICIPANT_CHANGED", "ParticipantChanged",
      { entryType: "ParticipantChanged", id: id, entries: [{ operation: "add", displayName: agent, participant: { role: "Agent" } }] },
      "System", "Automated Process");
  };
  MiawServer.prototype.agentText = function (agent, said) {
    var id = this.nextId("m");
    return this.frame("CONVERSATION_MESSAGE", "Message",
      { entryType: "Message", id: id, abstractMessage: { messageType: "StaticContentMessage", id: id, staticContent: { formatType: "Text", text: said } } },
      "Agent", agent);
  };
  MiawServer.prototype.agentFiles = function (agent, said, files) {
    var id = this.nextId("f");
    return this.frame("CONVERSATION_MESSAGE", "Message",
      { entryType: "Message", id: id, abstractMessage: { messageType: "StaticContentMessage", id: id, staticContent: { formatType: "Attachments", text: said, attachments: files } } },
      "Agent", agent);
  };
  MiawServer.prototype.typing = function (agent) {
    var id = this.nextId("t");
    return this.frame("CONVERSATION_TYPING_STARTED_INDICATOR", "TypingStartedIndicator",
      { entryType: "TypingStartedIndicator", id: id }, "Agent", agent);
  };
  MiawServer.prototype.ack = function (read, messageId) {
    var ev = read ? "CONVERSATION_READ_ACKNOWLEDGEMENT" : "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT";
    var ty = read ? "ReadAcknowledgement" : "DeliveryAcknowledgement";
    return this.frame(ev, ty, { entryType: ty, id: this.nextId("ack"), acknowledgementTimestamp: Date.now() },
      "Agent", "Jane", [messageId]);
  };
  MiawServer.prototype.ended = function () {
    return this.frame("CONVERSATION_SESSION_STATUS_CHANGED", "SessionStatusChanged",
      { entryType: "SessionStatusChanged", id: this.nextId("s"), changedStatus: "Ended" }, "System", "");
  };

  // ---------------------------------------------------------------------------------------
  // The fake Live Chat server (Chat REST API, shared/spec/live-agent.md,
  // crates/sf-emulator/src/livechat.rs): a session, the chat request, one long-poll answer
  // with ChatRequestSuccess (queue position and wait), then polls that never answer.
  function LiveServer() {
    this.polls = 0;
    this.queuePosition = 3;
    this.waitSeconds = 240;
  }
  LiveServer.prototype.route = function (req) {
    var p = req.path.replace(/^\/chat\/rest\//, "");
    if (p === "Visitor/Availability") {
      return Promise.resolve(json(200, { messages: [{ type: "Availability", message: { results: [{ id: "5735e000000AbCd", isAvailable: true }] } }] }));
    }
    if (p === "System/SessionId") {
      return Promise.resolve(json(200, { id: "studio-session", key: "studio-key", affinityToken: "studio-affinity", clientPollTimeout: 40 }));
    }
    if (p === "System/Messages") {
      this.polls += 1;
      if (this.polls > 1) return never();
      return Promise.resolve(json(200, {
        messages: [{ type: "ChatRequestSuccess", message: { queuePosition: this.queuePosition, estimatedWaitTime: this.waitSeconds, connectionTimeout: 150000, visitorId: "studio-visitor" } }],
        sequence: 1, offset: 1
      }));
    }
    return Promise.resolve(text(200, "OK"));
  };

  var miaw = new MiawServer();
  var live = new LiveServer();

  // ---------------------------------------------------------------------------------------
  // The fixture transport.
  function request(input, init) {
    init = init || {};
    var isReq = typeof Request !== "undefined" && input instanceof Request;
    var url = new URL(isReq ? input.url : String(input), location.href);
    return {
      url: url,
      path: url.pathname,
      method: String(init.method || (isReq ? input.method : "GET")).toUpperCase(),
      headers: new Headers(init.headers || (isReq ? input.headers : undefined)),
      body: init.body,
      signal: init.signal || (isReq ? input.signal : null)
    };
  }
  function answer(server, req) {
    var signal = req.signal;
    if (signal && signal.aborted) return Promise.reject(abortError());
    return new Promise(function (resolve, reject) {
      var settled = false;
      var onAbort = function () { if (!settled) { settled = true; reject(abortError()); } };
      if (signal) signal.addEventListener("abort", onAbort, { once: true });
      Promise.resolve().then(function () { return server.route(req); }).then(function (r) {
        if (!settled) { settled = true; resolve(r); }
      }, function (e) {
        if (!settled) { settled = true; reject(e); }
      });
    });
  }
  w.fetch = function (input, init) {
    var href = typeof input === "string" ? input : (input && (input.url || input.href)) || String(input);
    if (href.indexOf(MIAW_URL) === 0) {
      var r = request(input, init);
      miaw.requests.push(r.method + " " + r.path);
      return answer(miaw, r);
    }
    if (href.indexOf(LIVE_URL) === 0) return answer(live, request(input, init));
    return realFetch(input, init);
  };

  // ---------------------------------------------------------------------------------------
  // Configuration.
  var LONG_ANSWER = "Returns are free within 30 days of delivery, for anything unworn and with its tags.\n\n" +
    "1. Open \u201cMy orders\u201d and choose the order.\n" +
    "2. Pick the items and a reason; we email you a prepaid label at once.\n" +
    "3. Drop the parcel at any partner point (the email lists the nearest ones).\n\n" +
    "The refund goes back to the card you paid with within 5 working days of the parcel reaching " +
    "our warehouse. Exchanges for another size ship as soon as the return is scanned, so you " +
    "don\u2019t wait twice. Sale items can be returned too; gift cards and personalised items can\u2019t.";
  var bot = {
    type: "local",
    name: "Assistant",
    greeting: "Hi! I\u2019m the shop assistant. Ask me about orders, returns or sizes.",
    greetingQuickReplies: ["Where is my order?", "Returns", { label: "Talk to a human", handoff: true }],
    intents: [
      { name: "order", examples: ["where is my order", "track my order", "delivery"], reply: "Orders ship within 24 hours; the tracking link is in your confirmation email." },
      { name: "returns", examples: ["returns", "how do returns work", "return an item"], reply: LONG_ANSWER },
      { name: "sizes", examples: ["size", "sizing", "fit"], reply: "Our jackets run true to size. The size guide is on every product page." }
    ]
  };
  var miawHandoff = {
    miaw: { url: MIAW_URL, orgId: "00D5e000000AbCd", developerName: "Studio_Client", streamIdleSeconds: 3600 },
    sendTranscript: false
  };
  var liveHandoff = {
    liveChat: { endpoint: LIVE_URL, organizationId: "00D5e000000AbCd", deploymentId: "5725e000000AbCd", buttonId: "5735e000000AbCd", visitorName: "Studio visitor" },
    sendTranscript: false
  };
  var prechatHandoff = JSON.parse(JSON.stringify(miawHandoff));
  prechatHandoff.prechat = {
    fields: ["description", { name: "topic", type: "choice", options: ["Orders", "Returns", "Sizing"], attribute: "Topic" }]
  };

  // ---------------------------------------------------------------------------------------
  // Helpers for the states.
  var events = [];
  function root() {
    var host = d.querySelector("chat-widget");
    return host && host.shadowRoot;
  }
  function $(css) { var r = root(); return r ? r.querySelector(css) : null; }
  function $$(css) { var r = root(); return r ? Array.prototype.slice.call(r.querySelectorAll(css)) : []; }
  /** Polls `test` (every 30 ms, up to 8 s); rejects with `what` if it never holds. */
  function until(what, test) {
    return new Promise(function (resolve, reject) {
      var t0 = realNow();
      (function poll() {
        var v;
        try { v = test(); } catch (e) { v = null; }
        if (v) return resolve(v);
        if (realNow() - t0 > 8000) return reject(new Error("timed out waiting for " + what));
        realSetTimeout(poll, 30);
      })();
    });
  }
  function event(name, test) {
    return until("the " + name + " event", function () {
      return events.filter(function (e) { return e.name === name && (!test || test(e.detail)); })[0];
    });
  }
  var API = function () { return w.ChatWidget; };
  /** Bot → "talk to a human" → the MIAW conversation is created and its stream connected. */
  function handoff() {
    API().send("talk to a human");
    return miaw.connected;
  }
  function agentJoined() {
    return handoff().then(function () {
      miaw.push(miaw.joined("Jane"));
      return event("agent:joined");
    });
  }
  function agentSays(said) {
    var before = $$(".cw-msg--agent").length;
    miaw.push(miaw.agentText("Jane", said));
    return until("the agent's message", function () { return $$(".cw-msg--agent").length > before; });
  }

  /** Every state: its label, its configuration and the script that reaches it. */
  var STATES = {
    badge: {
      label: "Launcher, closed, with an unread badge",
      handoff: miawHandoff,
      run: function () {
        API().close();
        return agentJoined().then(function () {
          miaw.push(miaw.agentText("Jane", "Hi, I\u2019m Jane. I\u2019m looking at your order now."));
          miaw.push(miaw.agentText("Jane", "It left our warehouse this morning."));
          API().close();
          return until("the unread badge", function () { return $("[part~='badge']"); });
        });
      }
    },
    greeting: {
      label: "Greeting with quick replies",
      run: function () {
        API().open();
        return until("the quick replies", function () { return $("[part~='quick-reply']"); });
      }
    },
    "long-answer": {
      label: "A long bot answer",
      run: function () {
        API().open();
        API().send("How do returns work?");
        return until("the bot's answer", function () { return $$(".cw-msg--bot").length >= 2; });
      }
    },
    statuses: {
      label: "Visitor messages: delivered, read, not sent, sending",
      handoff: miawHandoff,
      run: function () {
        API().open();
        var plans = {
          "My parcel hasn\u2019t arrived yet.": "delivered",
          "It\u2019s order A-1042.": "read",
          "Can you check the address?": "failed",
          "I\u2019m at home all day.": "sending"
        };
        miaw.onMessage = function (said) { return plans[said] || "sent"; };
        return agentJoined().then(function () {
          Object.keys(plans).forEach(function (t) { API().send(t); });
          return until("the four statuses", function () {
            return ["delivered", "read", "failed", "sending"].every(function (s) { return $(".cw-status--" + s); });
          });
        });
      }
    },
    prechat: {
      label: "Pre-chat form with errors",
      handoff: prechatHandoff,
      run: function () {
        API().open();
        API().send("talk to a human");
        return until("the pre-chat form", function () { return $("[part~='prechat-form'] [type='submit']"); }).then(function (submit) {
          submit.click();
          return until("the form's errors", function () { return $(".cw-pc-error"); });
        });
      }
    },
    queue: {
      label: "Queue position (Live Chat)",
      handoff: liveHandoff,
      run: function () {
        API().open();
        API().send("talk to a human");
        return event("queue:update", function (x) { return x && x.position === live.queuePosition; }).then(function () {
          return sleep(50);
        });
      }
    },
    agent: {
      label: "Agent joined",
      handoff: miawHandoff,
      run: function () {
        API().open();
        return agentJoined().then(function () {
          return agentSays("Hi, I\u2019m Jane. I can see order A-1042 \u2014 how can I help?");
        });
      }
    },
    files: {
      label: "Files from the agent and the visitor",
      handoff: miawHandoff,
      run: function () {
        API().open();
        return agentJoined().then(function () {
          var at = function (f) { return new URL(f, location.href).href; };
          miaw.push(miaw.agentFiles("Jane", "Here are your return label and the size guide.", [
            { id: "studio-file-1", name: "return-label.svg", contentLength: 1104, mimeType: "image/svg+xml", url: at("theme-sample.svg") },
            { id: "studio-file-2", name: "size-guide.txt", contentLength: 173, mimeType: "text/plain", url: at("theme-sample.txt") }
          ]));
          return until("the attach button", function () { return $("input[type='file']"); });
        }).then(function (input) {
          var dt = new DataTransfer();
          dt.items.add(new File(["%PDF-1.4\n% theme studio sample\n"], "receipt.pdf", { type: "application/pdf" }));
          input.files = dt.files;
          input.dispatchEvent(new Event("change", { bubbles: true }));
          return until("both files", function () {
            return $(".cw-msg--agent .cw-image") && $(".cw-msg--visitor .cw-file-name, .cw-msg--visitor .cw-file-link");
          });
        });
      }
    },
    typing: {
      label: "Agent typing",
      handoff: miawHandoff,
      run: function () {
        API().open();
        return agentJoined().then(function () {
          return agentSays("Let me check that for you.");
        }).then(function () {
          // The indicator hides after 5 s without a new start: keep it going.
          var again = function () { miaw.push(miaw.typing("Jane")); realSetTimeout(again, 3000); };
          again();
          return until("the typing indicator", function () { return $("[part~='typing']"); });
        });
      }
    },
    connection: {
      label: "Connection lost",
      handoff: miawHandoff,
      run: function () {
        API().open();
        var before;
        return agentJoined().then(function () {
          return agentSays("I\u2019ll be right back with the tracking number.");
        }).then(function () {
          before = $$(".cw-msg--system").length;
          // The line shows after 3 s of outage: the widget's clock runs 10x until then.
          setSpeed(10);
          miaw.goDown();
          return until("the connection line", function () { return $$(".cw-msg--system").length > before; });
        }).then(function () {
          setSpeed(1);
        }, function (e) {
          setSpeed(1);
          throw e;
        });
      }
    },
    ended: {
      label: "Chat ended by the agent",
      handoff: miawHandoff,
      run: function () {
        API().open();
        return agentJoined().then(function () {
          return agentSays("Your refund is on its way. Anything else?");
        }).then(function () {
          miaw.push(miaw.ended());
          return until("the ended bar", function () { return $("[part~='ended-bar']"); });
        });
      }
    }
  };

  var spec = STATES[stateName] || STATES.agent;
  var config = {
    theme: theme,
    language: lang,
    persist: false, // every frame its own conversation, nothing saved, no tab sharing
    preload: "eager",
    bot: bot
  };
  if (spec.handoff) config.handoff = spec.handoff;
  w.ChatWidgetConfig = config;

  function report(status, detail) {
    d.documentElement.setAttribute("data-studio", status);
    if (detail) d.documentElement.setAttribute("data-studio-detail", detail);
    try {
      parent.postMessage({ studioFrame: true, state: stateName, status: status, detail: detail || "" }, location.origin);
    } catch (e) { /* not in the studio */ }
  }

  // The loader replays calls queued in an array (README, "The page API").
  w.ChatWidget = [
    ["on", "*", function (detail, name) { events.push({ name: name, detail: detail }); }],
    ["on", "ready", function () {
      report("running");
      Promise.resolve().then(spec.run).then(function () {
        report("reached");
      }, function (e) {
        console.error("theme studio: state " + stateName + " not reached:", e);
        report("failed", String(e && e.message || e));
      });
    }]
  ];

  /** For the studio page and tests. */
  w.StudioFrame = {
    state: stateName,
    label: spec.label,
    states: Object.keys(STATES).map(function (k) { return { name: k, label: STATES[k].label }; }),
    miaw: miaw,
    live: live,
    events: events
  };
})(window, document);
