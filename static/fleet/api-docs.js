/* The API reference page (templates/api/docs.html): names Swagger UI's servers drop-down, which Swagger UI leaves
   without an accessible name (axe: select-name), once Swagger UI has drawn it. */
(function () {
  "use strict";
  function name() {
    var select = document.getElementById("servers");
    if (select && !select.hasAttribute("aria-label")) select.setAttribute("aria-label", "Servers");
  }
  new MutationObserver(name).observe(document.documentElement, { childList: true, subtree: true });
})();
