// Live progress of a campaign on its admin page: polls the JSON counts every two seconds
// while the campaign is scheduled or sending.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("campaign-progress");
    if (!box) { return; }
    var url = box.getAttribute("data-url");
    function field(name) { return box.querySelector('[data-field="' + name + '"]'); }
    function update(data) {
      ["status_display", "status_note", "total", "queued", "sent", "failed", "skipped", "complaints", "percent"].forEach(function (name) {
        var el = field(name);
        if (el) { el.textContent = data[name]; }
      });
      var bar = field("bar");
      if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
      box.setAttribute("data-status", data.status);
    }
    function poll() {
      var status = box.getAttribute("data-status");
      if (status !== "sending" && status !== "scheduled") { return; }
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) { update(data); } })
        .finally(function () { window.setTimeout(poll, 2000); });
    }
    window.setTimeout(poll, 2000);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
