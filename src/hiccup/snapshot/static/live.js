/* Hiccup status page: live updates over server-sent events, the reader's local time on hover,
   arrow keys along the uptime bars. The page is complete without this script; it only adds. */
(function () {
  "use strict";

  var BASE_MS = 2000;
  var CAP_MS = 60000;
  var SPREAD_MS = 1000;

  /* Full jitter: the wait before reconnect attempt n (0, 1, 2, ...) is uniform in
     [0, min(cap, base * 2^n)], so when Hiccup restarts its readers come back spread out
     instead of all in the same second. */
  function reconnectDelay(attempt, base, cap, random) {
    var ceiling = Math.min(cap || CAP_MS, (base || BASE_MS) * Math.pow(2, Math.max(0, attempt)));
    return Math.floor((random || Math.random)() * ceiling);
  }

  function localTimes(root) {
    var times = root.querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(when.getTime())) {
        // The page's language says the label (data-your-time); an English page has none.
        var label = document.body.getAttribute("data-your-time") || "Your time:";
        times[i].title = label + " " + when.toLocaleString(undefined, {
          dateStyle: "medium", timeStyle: "short"
        });
      }
    }
  }

  function moveAlongBar(event) {
    var day = event.target.closest ? event.target.closest(".day") : null;
    if (!day) { return; }
    var days = Array.prototype.slice.call(day.parentNode.children);
    var index = days.indexOf(day);
    var next = { ArrowLeft: index - 1, ArrowRight: index + 1, Home: 0, End: days.length - 1 }[event.key];
    if (next === undefined || next < 0 || next >= days.length) { return; }
    event.preventDefault();
    day.tabIndex = -1;
    days[next].tabIndex = 0;
    days[next].focus();
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    ["main", "footer"].forEach(function (selector) {
      var now = document.querySelector(selector);
      var next = fresh.querySelector(selector);
      if (now && next) { now.innerHTML = next.innerHTML; }
    });
    document.title = fresh.title;
    localTimes(document);
  }

  function refresh() {
    // A little spread here too: every open page fetches once per change.
    setTimeout(function () {
      fetch(location.href, { cache: "no-cache", credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html) { swap(html); } })
        .catch(function () { /* the next change or reconnect tries again */ });
    }, Math.floor(Math.random() * SPREAD_MS));
  }

  function listen(url) {
    var attempt = 0;
    var connectedBefore = false;
    var source = null;
    function connect() {
      source = new EventSource(url);
      source.addEventListener("open", function () {
        attempt = 0;
        if (connectedBefore) { refresh(); }  // changes may have happened while we were away
        connectedBefore = true;
      });
      source.addEventListener("snapshot", refresh);
      source.addEventListener("error", function () {
        source.close();
        setTimeout(connect, reconnectDelay(attempt++));
      });
    }
    connect();
  }

  window.hiccup = { reconnectDelay: reconnectDelay, refresh: refresh };
  document.addEventListener("keydown", moveAlongBar);
  localTimes(document);
  var live = document.body.getAttribute("data-live");
  if (live && window.EventSource && window.fetch) { listen(live); }
})();
