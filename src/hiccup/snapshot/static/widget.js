/* Hiccup status widget: <script src="https://status.example.com/widget.js" async></script>
   puts a one-line status (the page's /embed) next to the script tag, linking to the page. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) { return; }
  var frame = document.createElement("iframe");
  frame.src = script.src.replace(/widget\.js(?:[?#].*)?$/, "embed");
  frame.title = "Service status";
  frame.setAttribute("loading", "lazy");
  frame.style.cssText = "border:0;width:18rem;height:2.4rem;background:transparent";
  script.parentNode.insertBefore(frame, script.nextSibling);
})();
