// Live KPI updates: subscribe to /api/stream (server-sent events) and, after every posted batch, refetch the KPIs of
// each [data-live-scope] block from /api/kpi. A window that follows the data moves its end to the minute after the
// latest event (and its start with it when it slides), as the server does for pages, but not past its data-until
// (a running shift's end).
(function () {
  "use strict";
  var status = document.getElementById("live-status");
  function say(text) { if (status) status.textContent = text; }
  if (!window.EventSource) { say("no live updates in this browser"); return; }
  var reload = document.querySelector("[data-reload-on-batch]");
  var timer = null;
  function iso(ms) { return new Date(ms).toISOString().replace(".000Z", "Z"); }
  function percent(v) { return typeof v === "number" && isFinite(v) ? (v * 100).toFixed(1) + " %" : "\u2013"; }
  function refresh(block, update) {
    var from = block.getAttribute("data-from"), to = block.getAttribute("data-to");
    if (block.getAttribute("data-follow") === "1" && update.latestEventTime) {
      var end = (Math.floor(Date.parse(update.latestEventTime) / 60000) + 1) * 60000;
      var until = block.getAttribute("data-until");
      if (until) end = Math.min(end, Date.parse(until));
      if (end > Date.parse(to)) {
        var slide = block.getAttribute("data-slide");
        to = iso(end);
        if (slide) from = iso(end - Number(slide));
        block.setAttribute("data-from", from);
        block.setAttribute("data-to", to);
      }
    }
    var url = "/api/kpi?scope=" + encodeURIComponent(block.getAttribute("data-live-scope")) +
      "&from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to);
    return fetch(url).then(function (r) { return r.json(); }).then(function (result) {
      block.querySelectorAll("[data-kpi]").forEach(function (cell) {
        var text = percent(result.kpis[cell.getAttribute("data-kpi")]);
        if (cell.textContent !== text) {
          cell.textContent = text;
          cell.classList.remove("flash");
          void cell.offsetWidth;
          cell.classList.add("flash");
        }
      });
    });
  }
  var source = new EventSource("/api/stream");
  source.addEventListener("hello", function () { say("live"); });
  // At most one refresh in flight and at most four a second: a burst of batches ends in one refresh with the latest.
  var pending = null, running = false, last = 0;
  function refreshAll(update) {
    var blocks = document.querySelectorAll("[data-live-scope]");
    return Promise.all(Array.prototype.map.call(blocks, function (b) { return refresh(b, update); })).then(function () {
      document.body.setAttribute("data-live-batch", String(update.batch));
      say("updated " + new Date().toLocaleTimeString() + " (batch " + update.batch + ": " + update.accepted +
        " accepted, " + update.rejected + " rejected)");
    }, function () { say("update failed; retrying on the next batch"); });
  }
  function run() {
    var update = pending;
    pending = null;
    last = Date.now();
    refreshAll(update).then(function () {
      running = false;
      if (pending) schedule(pending);
    });
  }
  function schedule(update) {
    pending = update;
    if (running) return;
    running = true;
    setTimeout(run, Math.max(0, 250 - (Date.now() - last)));
  }
  source.addEventListener("batch", function (message) {
    var update = JSON.parse(message.data);
    if (reload) {
      if (!timer) timer = setTimeout(function () { location.reload(); }, 1000);
      return;
    }
    schedule(update);
  });
  // A stream that fails because the session ended (sign-out elsewhere, timeout): reload, which leads to the login page.
  source.onerror = function () {
    say("reconnecting\u2026");
    fetch("/api/session").then(function (r) { if (r.status === 401) location.reload(); }, function () {});
  };
})();
