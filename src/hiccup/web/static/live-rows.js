// Keeps the dashboard's rows current without a reload (the admin's CSP allows no inline
// script, hence this file). The server's stream (/admin/live) says when monitors change
// state, and the rows refetch at once; every minute they refetch anyway, for the figures
// (latency, last check) that move without a change of state. While the stream is down the
// rows refetch every 15 s, and the stream is tried again after a random, growing wait.
(function () {
  "use strict";
  var POLL_MS = 15000;
  var FIGURES_MS = 60000;
  var MAX_WAIT_MS = 300000;
  var timer = null;
  var period = 0;
  var failures = 0;
  var heardBefore = false;

  function rows() {
    return document.querySelector("[data-live-rows]");
  }

  function say(text, live) {
    var state = document.getElementById("live-state");
    if (!state) return;
    state.textContent = text;
    state.hidden = false;
    state.setAttribute("data-live", live ? "on" : "off");
  }

  function refresh() {
    var element = rows();
    if (element && window.htmx) window.htmx.trigger(element, "hiccup:refresh");
  }

  function every(ms) {
    if (period === ms) return; // restarting it would put the next refresh off again
    if (timer) clearInterval(timer);
    timer = setInterval(refresh, ms);
    period = ms;
  }

  function polling() {
    every(POLL_MS);
    say("Rows refresh every 15 s (live updates are not reaching this page).", false);
  }

  function connect() {
    var source = new EventSource("/admin/live");
    source.addEventListener("hello", function () {
      // Back after a drop: what changed meanwhile was never told.
      if (heardBefore) refresh();
      heardBefore = true;
      failures = 0;
      every(FIGURES_MS);
      say("Live: rows update as monitors change.", true);
    });
    source.addEventListener("monitors", refresh);
    source.onerror = function () {
      // Dropped or refused (signed out, too many consoles, the server stopping). The
      // browser would retry at once and forever; instead wait a random, growing while, so
      // that a restarted server is not met by every console in the same second.
      source.close();
      polling();
      failures += 1;
      var wait = Math.min(MAX_WAIT_MS, 1000 * Math.pow(2, failures));
      setTimeout(connect, wait / 2 + (Math.random() * wait) / 2);
    };
  }

  function start() {
    if (!rows()) return;
    polling();
    if (window.EventSource) connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
