/* The one way messages behave (templates/_messages.html, docs/feedback.md). A message stands next to what it is
   about: the row after its action, the dialog, the form, the bulk bar, or the top of the page after a redirect.
   - Each new one is read out once, through the page's one live region (#messages, base.html): a message outside
     it is copied there as visually hidden text (its `data-announce` text when it has one).
   - Its Dismiss button removes it; focus goes to what it was about (its row, dialog, form), never to <body>.
   - The next action (a click on a link or button, a form sent) removes every message. */
(function () {
  "use strict";
  var region = document.getElementById("messages");

  function said(message) {
    var text = message.getAttribute("data-announce");
    if (text) return text;
    var p = message.querySelector("p");
    return (p || message).textContent.trim();
  }

  function announce() {
    if (!region) return;
    var fresh = [];
    document.querySelectorAll("[data-message]:not([data-announced])").forEach(function (message) {
      message.setAttribute("data-announced", "");
      if (!region.contains(message)) fresh.push(said(message)); // the region reads its own messages
    });
    if (!fresh.length) return;
    var old = region.querySelector(".announcement");
    if (old) old.remove();
    var text = document.createElement("p");
    text.className = "visually-hidden announcement";
    text.textContent = fresh.join(" ");
    region.appendChild(text);
  }

  function clear() {
    document.querySelectorAll("[data-message]").forEach(function (message) {
      var gone = message.closest("tr.row-gone"); // where a deleted row was: nothing else is left in it
      (gone || message).remove();
    });
    if (region) region.querySelectorAll(".announcement").forEach(function (text) { text.remove(); });
  }

  function focusable(container) {
    if (!container) return null;
    var all = container.querySelectorAll("a[href], button:not([disabled]), input:not([type=hidden]), select, textarea");
    return Array.prototype.find.call(all, function (el) { return el.getClientRects().length > 0; }) || null;
  }

  function dismiss(button) {
    var message = button.closest("[data-message]");
    if (!message) return;
    var gone = message.closest("tr.row-gone");
    var about = message.closest("tr, dialog, section, form, .table-region") || document.getElementById("main");
    (gone || message).remove();
    if (gone) about = document.getElementById("vehicle-table-caption") || document.getElementById("main");
    var next = about.matches("[tabindex]") ? about : focusable(about) || document.getElementById("main");
    if (next) next.focus();
  }

  // Capture phase: the messages go before the action's own handlers run (and before its answer brings new ones).
  document.addEventListener("click", function (e) {
    var target = e.target.closest ? e.target : null;
    if (!target) return;
    var button = target.closest("[data-dismiss]");
    if (button) { dismiss(button); return; }
    var control = target.closest("a[href], button, input[type=submit]");
    if (control && !control.closest("[data-message]")) clear();
  }, true);
  document.addEventListener("submit", clear, true);

  document.addEventListener("htmx:afterSettle", announce);
  document.addEventListener("htmx:oobAfterSwap", function () { setTimeout(announce, 0); });
  announce();
})();
