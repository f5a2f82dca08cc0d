/* The live VIN table (SPEC.md "The live table", vehicles/views/live.py): every few seconds, while the tab is
   visible and someone has used the page recently, one request asks what changed since the page's last event
   for the rows on screen. The answer swaps changed rows and the counts out of band and says what changed in a
   polite live region. A row whose menu is open or that holds the focus keeps its place until it is left; a
   row's selection is kept; changed rows flash. Without JavaScript the page is as before. */
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.htmx) return;
  var interval = (parseInt(live.getAttribute("data-interval"), 10) || 5) * 1000;
  var idleAfter = (parseInt(live.getAttribute("data-idle-minutes"), 10) || 30) * 60 * 1000;
  var lastUse = Date.now();
  var timer = null;
  var busy = false;
  var deferred = {}; // row id -> the row's new HTML, waiting until its menu closes or focus leaves it

  function visible() { return document.visibilityState === "visible"; }
  function idle() { return Date.now() - lastUse > idleAfter; }

  function rowsOnScreen() {
    var rows = document.querySelectorAll('#vehicle-table tbody tr[id^="vehicle-"]');
    return Array.prototype.map.call(rows, function (row) { return row.id.slice(8); }).join(",");
  }

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (visible() && !idle()) timer = setTimeout(poll, interval);
  }

  function poll() {
    timer = null;
    if (!visible() || idle()) return; // started again by visibilitychange or by the next use of the page
    if (busy) { schedule(); return; }
    busy = true;
    var params = new URLSearchParams(window.location.search);
    params.set("live_after", live.getAttribute("data-after"));
    params.set("live_rows", rowsOnScreen());
    var done = function () { busy = false; schedule(); };
    htmx.ajax("GET", live.getAttribute("data-url") + "?" + params.toString(), { source: live, target: live, swap: "none" })
      .then(done, done);
  }

  var refresh = null; // a client event the page fetches itself again on (the vehicle page), waiting for a quiet moment

  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.elt !== live || !e.detail.xhr) return;
    var next = e.detail.xhr.getResponseHeader("X-Live-After");
    if (next) live.setAttribute("data-after", next);
    var again = e.detail.xhr.getResponseHeader("X-Live-Refresh");
    if (again) { refresh = again; setTimeout(applyDeferred, 0); }
  });

  function busyRow(row) {
    var menu = row.querySelector("[popover]");
    return (menu && menu.matches(":popover-open")) || row.contains(document.activeElement);
  }

  // Before a row is swapped: keep it while its menu is open or it holds the focus; remember its selection.
  document.body.addEventListener("htmx:oobBeforeSwap", function (e) {
    var row = e.detail.target;
    if (!row || !row.id || row.id.indexOf("vehicle-") !== 0 || row.tagName !== "TR") return;
    var box = row.querySelector('input[type=checkbox][name=vin]');
    live.setAttribute("data-checked-" + row.id, box && box.checked ? "1" : "0");
    if (busyRow(row)) {
      var fresh = e.detail.fragment.firstElementChild || e.detail.fragment;
      if (fresh && fresh.outerHTML) deferred[row.id] = fresh.outerHTML;
      e.detail.shouldSwap = false;
    }
  });

  function settle(row) {
    var checked = live.getAttribute("data-checked-" + row.id);
    live.removeAttribute("data-checked-" + row.id);
    var box = row.querySelector('input[type=checkbox][name=vin]');
    if (box && checked === "1") box.checked = true;
    row.classList.add("live-changed");
    setTimeout(function () { row.classList.remove("live-changed"); }, 2500);
  }

  document.body.addEventListener("htmx:oobAfterSwap", function (e) {
    var row = e.detail.target && e.detail.target.id ? document.getElementById(e.detail.target.id) : null;
    if (row && row.tagName === "TR" && row.id.indexOf("vehicle-") === 0 && !deferred[row.id]) settle(row);
  });

  function pageBusy() {
    var open = document.querySelector("[popover]:popover-open");
    var active = document.activeElement;
    return open || document.querySelector("dialog[open]") ||
      (active && active !== document.body && active.matches("input, select, textarea"));
  }

  function applyDeferred() {
    if (refresh && !pageBusy()) {
      var name = refresh;
      refresh = null;
      htmx.trigger(document.body, name);
    }
    Object.keys(deferred).forEach(function (id) {
      var row = document.getElementById(id);
      if (!row) { delete deferred[id]; return; }
      if (busyRow(row)) return;
      var html = deferred[id];
      delete deferred[id];
      htmx.swap(row, html, { swapStyle: "outerHTML" });
      var fresh = document.getElementById(id);
      if (fresh) settle(fresh);
    });
  }
  document.addEventListener("focusout", function () { setTimeout(applyDeferred, 0); });
  document.addEventListener("toggle", function (e) {
    if (e.newState === "closed") setTimeout(applyDeferred, 0);
  }, true);

  function used() {
    var wasIdle = idle();
    lastUse = Date.now();
    if (wasIdle && timer === null && !busy) poll();
  }
  ["keydown", "pointerdown", "pointermove", "scroll", "wheel"].forEach(function (name) {
    document.addEventListener(name, used, { passive: true });
  });

  document.addEventListener("visibilitychange", function () {
    if (visible()) { lastUse = Date.now(); poll(); } else { clearTimeout(timer); timer = null; }
  });

  schedule();
})();
