// Campaign images in the admin: a "Copy" button beside each Markdown snippet puts the snippet on
// the clipboard; without clipboard access the snippet is selected for Ctrl+C.
(function () {
  "use strict";
  function start() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var field = document.getElementById(button.getAttribute("data-copy"));
        if (!field) { return; }
        field.focus();
        field.select();
        var status = document.getElementById(button.getAttribute("data-status"));
        function done() { if (status) { status.textContent = button.getAttribute("data-done"); } }
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(done, function () {});
        }
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
