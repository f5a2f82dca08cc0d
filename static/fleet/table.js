/* The VIN table's small behaviours: row menus (popover + ARIA menu keys), confirmation dialogs, select all.
   Everything here is an enhancement: without JavaScript, menu items are links to confirmation pages. */
(function () {
  "use strict";
  var lastInvoker = null; // id of the menu button that opened the current dialog
  var returnTo = null; // where focus goes back once the dialog is closed, even if that row is swapped later

  function restoreFocus() {
    if (!returnTo) return;
    var active = document.activeElement;
    if (active && active !== document.body && active.id !== returnTo) return;
    // A deleted row leaves its message where it was (#gone-<pk>): focus goes to it.
    var gone = document.querySelector("#gone-" + returnTo.replace("actions-", "") + " [data-message]");
    var back = document.getElementById(returnTo) || gone || document.getElementById("vehicle-table") || document.getElementById("main");
    if (back && active !== back) back.focus();
  }
  // A row replaced after the dialog closed (its new status, out of band) takes focus back to its new button.
  document.addEventListener("htmx:afterSettle", restoreFocus);
  document.addEventListener("htmx:oobAfterSwap", restoreFocus);
  document.addEventListener("focusin", function (e) {
    if (returnTo && e.target.id !== returnTo && e.target !== document.getElementById("vehicle-table")) returnTo = null;
  });

  function items(menu) {
    return Array.prototype.slice.call(menu.querySelectorAll('[role="menuitem"]'));
  }

  function place(menu, button) {
    // Where CSS anchor positioning is missing, put the menu under its button by hand.
    if (window.CSS && CSS.supports && CSS.supports("position-area: bottom")) return;
    var r = button.getBoundingClientRect();
    menu.style.position = "fixed";
    menu.style.margin = "0";
    menu.style.top = r.bottom + 4 + "px";
    menu.style.left = Math.max(8, r.right - menu.offsetWidth) + "px";
  }

  // Popover "toggle" does not bubble: listen in the capture phase.
  document.addEventListener("toggle", function (e) {
    var menu = e.target;
    if (!menu.matches || !menu.matches('[role="menu"][popover]')) return;
    var button = document.querySelector('[popovertarget="' + menu.id + '"]');
    if (!button) return;
    var open = e.newState === "open";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      place(menu, button);
      var first = items(menu)[0];
      if (first) first.focus();
    }
  }, true);

  document.addEventListener("keydown", function (e) {
    var item = e.target.closest && e.target.closest('[role="menuitem"]');
    if (!item) return;
    var menu = item.closest('[role="menu"]');
    var all = items(menu);
    var i = all.indexOf(item);
    var next = null;
    if (e.key === "ArrowDown") next = all[(i + 1) % all.length];
    else if (e.key === "ArrowUp") next = all[(i - 1 + all.length) % all.length];
    else if (e.key === "Home") next = all[0];
    else if (e.key === "End") next = all[all.length - 1];
    else if (e.key === " ") { e.preventDefault(); item.click(); return; }
    else if (e.key === "Tab") { menu.hidePopover(); return; }
    if (next) { e.preventDefault(); next.focus(); }
  });

  // Choosing an item: remember who opened it (focus goes back there), close the menu.
  document.addEventListener("click", function (e) {
    var item = e.target.closest && e.target.closest("[data-invoker]"); // a menu item, or a vehicle page's button
    if (item) {
      lastInvoker = item.getAttribute("data-invoker");
      var menu = item.closest("[popover]");
      if (menu && menu.matches(":popover-open")) menu.hidePopover();
    }
    if (e.target.closest && e.target.closest("#bulk-form button[type=submit]")) lastInvoker = "bulk-action";
    var closer = e.target.closest && e.target.closest("[data-close-dialog]");
    if (closer) {
      var dialog = closer.closest("dialog");
      if (dialog) dialog.close("cancel");
    }
  });

  function currentDialog() {
    return document.querySelector("#dialog-slot dialog");
  }

  // A dialog fragment has landed and htmx has processed it (after settle, so that its form already posts with
  // HTMX): open it as a modal. Closing it (Cancel, Escape, success) removes it.
  document.addEventListener("htmx:afterSettle", function (e) {
    if (!e.detail.target || e.detail.target.id !== "dialog-slot") return;
    var dialog = currentDialog();
    if (!dialog || dialog.open) return;
    dialog.addEventListener("close", function () {
      dialog.remove();
      returnTo = lastInvoker;
      restoreFocus();
    });
    dialog.showModal();
  });

  document.body.addEventListener("dialog-close", function () {
    var dialog = currentDialog();
    if (dialog && dialog.open) dialog.close("done");
  });

  // On a phone, panels marked data-collapse-on-phone (the VIN table's filters) start closed: one button instead
  // of a screen of fields. Without JavaScript they stay open. Once the person opens one it stays open over the
  // table's redraws (a sort, a status count, a page, the live table) until they close it or use it: a Filter or
  // Clear filters closes it again, so that the results are what they see.
  var phone = window.matchMedia("(max-width: 40rem)");
  var keptOpen = false;
  document.addEventListener("click", function (e) {
    var summary = e.target.closest && e.target.closest("details[data-collapse-on-phone] > summary");
    if (summary) keptOpen = !summary.parentElement.open; // before the click toggles it
  });
  function collapseOnPhone(e) {
    if (!phone.matches) return;
    var config = e && e.detail && e.detail.requestConfig;
    if (config && config.elt && config.elt.closest && config.elt.closest("[data-collapse-on-phone]")) keptOpen = false;
    if (keptOpen) return;
    document.querySelectorAll("details[data-collapse-on-phone][open]").forEach(function (panel) {
      if (!panel.contains(document.activeElement)) panel.open = false;
    });
  }
  collapseOnPhone();
  document.addEventListener("htmx:afterSettle", collapseOnPhone);

  // The selection: "select all on this page", then "Select all N matching" (every page: the bulk form then sends
  // scope=matching and the table's filters), and the count the bulk bar shows ("3 selected").
  function boxes(form) {
    return document.querySelectorAll('input[type=checkbox][name=vin][form="' + form + '"]');
  }

  // The page's "select all" toggles: the table head's, and on a phone the toolbar's above the cards (one of the
  // two is on screen). Every one of them is handled alike and they always agree.
  function toggles(form) {
    return document.querySelectorAll('[data-select-all="' + form + '"]');
  }

  function shown(el) {
    var r = el.getBoundingClientRect();
    return r.width > 0 && r.right > 0;
  }

  function showSelection(form) {
    var bar = document.getElementById(form);
    if (!bar) return;
    var all = Array.prototype.slice.call(toggles(form));
    var matching = bar.querySelector("#select-matching");
    var holder = bar.querySelector("[data-select-matching]");
    var pageTicked = all.some(function (box) { return box.checked; });
    var noneShown = !all.some(shown); // no toggle on screen (none rendered): offer it at once
    if (holder) holder.hidden = !(matching.checked || pageTicked || noneShown);
    var count = bar.querySelector("[data-bulk-count]");
    if (!count) return;
    var ticked = Array.prototype.filter.call(boxes(form), function (box) { return box.checked; }).length;
    if (matching && matching.checked) count.textContent = count.getAttribute("data-matching-text");
    else count.textContent = ticked ? ticked.toLocaleString("en") + " selected" : "None selected";
  }

  document.addEventListener("change", function (e) {
    var target = e.target;
    if (!target.closest) return;
    var all = target.closest("[data-select-all]");
    if (all) {
      var form = all.getAttribute("data-select-all");
      toggles(form).forEach(function (box) { box.checked = all.checked; });
      boxes(form).forEach(function (box) { box.checked = all.checked; });
      var matching = document.querySelector("#" + form + " #select-matching");
      if (matching && !all.checked) matching.checked = false;
      showSelection(form);
      return;
    }
    if (target.id === "select-matching") {
      var bar = target.form;
      if (target.checked) {
        boxes(bar.id).forEach(function (box) { box.checked = true; });
        toggles(bar.id).forEach(function (box) { box.checked = true; });
      }
      showSelection(bar.id);
      return;
    }
    if (target.matches("input[type=checkbox][name=vin][form]")) {
      var name = target.getAttribute("form");
      if (!target.checked) {
        var every = document.querySelector("#" + name + " #select-matching");
        toggles(name).forEach(function (box) { box.checked = false; });
        if (every) every.checked = false;
      }
      showSelection(name);
    }
  });

  function showAll() { if (document.getElementById("bulk-form")) showSelection("bulk-form"); }
  document.addEventListener("htmx:afterSettle", showAll); // a re-fetched table starts with nothing selected
  window.addEventListener("resize", showAll);
  showAll();
})();
