/* qa_app one-line embed. On any intranet page:

     <script src="http://HOST:7860/embed.js" defer></script>

   adds a floating 问答 button at the page corner; it opens this server's /embed chat in a panel.
   Options, as data- attributes on the same script tag:
     data-title="责任目标问答"   panel title          data-label="问答"     button text
     data-question="…"          question put in the input box when the panel opens
     data-position="right"      right or left (bottom corner)
     data-width="380" data-height="600"   panel size in px (shrunk to fit small screens; full screen on phones)
   Nothing is loaded from anywhere but this server; the chat itself is refused by browsers on pages not in
   QA_EMBED_ORIGINS (CSP frame-ancestors). The button and panel live in a shadow root, so the page's own
   styles do not reach them and theirs do not leak out. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.qaEmbed) return;  // loaded twice: keep the first button
  window.qaEmbed = {};
  var server = script.src.replace(/\/embed\.js(?:[?#].*)?$/, "");
  var data = script.dataset;
  var number = function (value, fallback) {
    var n = parseInt(value, 10);
    return n >= 240 && n <= 2000 ? n : fallback;
  };
  var options = {
    title: data.title || "责任目标问答",
    label: data.label || "问答",
    question: (data.question || "").slice(0, 500),
    side: data.position === "left" ? "left" : "right",
    width: number(data.width, 380),
    height: number(data.height, 600)
  };

  var STYLE = [
    ":host { all: initial; }",
    ".qa-button { position: fixed; bottom: 20px; SIDE: 20px; z-index: 2147483000; display: flex;",
    "  align-items: center; gap: 6px; padding: 10px 18px; border: 0; border-radius: 24px; cursor: pointer;",
    "  background: #b91c1c; color: #fff; font: 600 15px/1.2 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.25); }",
    ".qa-button:hover { background: #991b1b; }",
    ".qa-button:focus-visible, .qa-close:focus-visible { outline: 3px solid #fca5a5; outline-offset: 2px; }",
    ".qa-panel { position: fixed; bottom: 78px; SIDE: 20px; z-index: 2147483001; display: none;",
    "  flex-direction: column; width: min(WIDTHpx, calc(100vw - 24px)); height: min(HEIGHTpx, calc(100vh - 96px));",
    "  background: #fff; border-radius: 10px; overflow: hidden; box-shadow: 0 8px 30px rgba(0,0,0,.3); }",
    ".qa-panel.open { display: flex; }",
    ".qa-head { display: flex; align-items: center; justify-content: space-between; padding: 8px 10px 8px 14px;",
    "  background: #b91c1c; color: #fff; font: 600 15px/1.3 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif; }",
    ".qa-close { border: 0; background: transparent; color: #fff; font-size: 22px; line-height: 1; cursor: pointer;",
    "  padding: 0 4px; }",
    "iframe { flex: 1 1 auto; width: 100%; border: 0; display: block; }",
    "@media (max-width: 480px) {",
    "  .qa-panel { inset: 0; width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; }",
    "  .qa-panel.open + .qa-button { display: none; }",
    "}"
  ].join("\n").replace(/SIDE/g, options.side).replace("WIDTH", options.width).replace("HEIGHT", options.height);

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function chatUrl() {
    var query = options.question ? "?q=" + encodeURIComponent(options.question) : "";
    return server + "/embed/" + query;
  }

  function mount() {
    var host = element("div", {id: "qa-embed"});
    var root = host.attachShadow({mode: "open"});
    var panel = element("div", {"class": "qa-panel", role: "dialog", "aria-label": options.title});
    var head = element("div", {"class": "qa-head"});
    var close = element("button", {type: "button", "class": "qa-close", "aria-label": "关闭", title: "关闭"}, "×");
    var button = element("button", {type: "button", "class": "qa-button", id: "qa-embed-button",
                                    "aria-expanded": "false", "aria-haspopup": "dialog"}, options.label);
    head.appendChild(element("span", {}, options.title));
    head.appendChild(close);
    panel.appendChild(head);
    root.appendChild(element("style", {}, STYLE));
    root.appendChild(panel);
    root.appendChild(button);

    function toggle(open) {
      if (open && !panel.querySelector("iframe")) {  // the chat loads on first opening, not with the page
        panel.appendChild(element("iframe", {id: "qa-chat", title: options.title, src: chatUrl(),
                                             allow: "clipboard-write"}));
      }
      panel.classList.toggle("open", open);
      button.setAttribute("aria-expanded", String(open));
      (open ? close : button).focus();
    }

    button.addEventListener("click", function () { toggle(!panel.classList.contains("open")); });
    close.addEventListener("click", function () { toggle(false); });
    root.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && panel.classList.contains("open")) toggle(false);
    });
    document.body.appendChild(host);
    window.qaEmbed.open = function () { toggle(true); };
    window.qaEmbed.close = function () { toggle(false); };
  }

  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
