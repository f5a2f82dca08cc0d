/* Focus after every HTMX swap (docs/feedback.md): one rule for every page, so that focus never drops to <body>.
   When a person's action (a click, a form sent) swaps part of the page, focus goes, in this order, to
   0. an error summary the answer brought ([data-error-summary], templates/_error_summary.html);
   1. where the element that started it says: data-focus-after="#selector" (Filter, Clear filters and the page
      links go to the table's caption, the top of the table);
   2. else, if the swap took the focus away: the control that was used, found again by its id (a sort link, a
      status count), then the swapped region's [autofocus] (an error summary), its new message, its heading, or the
      region itself.
   Requests nobody asked for (the live table, a table re-fetched after an action) never move focus; nor does
   anything while a dialog is open (static/fleet/table.js looks after the dialog and the row it came from). */
(function () {
  "use strict";
  var asked = null; // {xhr, selector, id, target}

  function byPerson(e) {
    var config = e.detail.requestConfig;
    var event = config && config.triggeringEvent;
    return Boolean(event && /^(click|submit|change|keyup|keydown)$/.test(event.type));
  }

  document.addEventListener("htmx:beforeRequest", function (e) {
    if (!byPerson(e)) return;
    var elt = e.detail.elt;
    var active = document.activeElement;
    var target = e.detail.target;
    // Dialogs are table.js's: focus into the dialog, and back to where it was opened from once it closes.
    if (elt.closest("dialog") || (target && (target.id === "dialog-slot" || target.closest("dialog")))) return;
    asked = {
      xhr: e.detail.xhr,
      selector: elt.getAttribute("data-focus-after"),
      id: elt.id || (active && active !== document.body ? active.id : ""),
      target: target && target.id,
    };
  });

  function lost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  function inRegion(region) {
    if (!region) return null;
    return region.querySelector("[autofocus]") ||
      region.querySelector("[data-message]") ||
      region.querySelector("h1[tabindex], h2[tabindex], caption[tabindex]") ||
      (region.hasAttribute("tabindex") ? region : null);
  }

  function moveFocus(wanted) {
    if (document.querySelector("dialog[open]")) return;
    var region = document.getElementById(wanted.target);
    var problem = region && region.querySelector("[data-error-summary]"); // a problem first, wherever asked
    var to = problem || (wanted.selector ? document.querySelector(wanted.selector) : null);
    if (!to && !lost()) return;
    if (!to && wanted.id) to = document.getElementById(wanted.id);
    if (!to) to = inRegion(region);
    if (!to) to = document.getElementById("main");
    if (to === document.activeElement) return;
    if (!to.matches("a[href], button, input, select, textarea, [tabindex]")) to.setAttribute("tabindex", "-1");
    to.focus();
  }

  document.addEventListener("htmx:afterSettle", function (e) {
    if (!asked || e.detail.xhr !== asked.xhr) return;
    var wanted = asked;
    asked = null;
    setTimeout(function () { moveFocus(wanted); }, 0); // after htmx's own autofocus and the other settle handlers
  });
})();
