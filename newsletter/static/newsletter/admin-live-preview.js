// Live preview on the campaign page: beside each language's content, the e-mail as a sample
// reader gets it, updated a moment after typing stops, before anything is saved.
//
// The HTML part is posted to the preview endpoint by a form whose target is a sandboxed frame:
// the frame's document then carries the endpoint's own policy (the e-mail's inline styles, no
// script), which a srcdoc frame would not (it inherits this page's). The plain-text part and what
// saving would refuse come back as JSON. Both use the page's CSRF token.
(function () {
  "use strict";
  var DELAY = 600; // ms after the last keystroke

  function start() {
    var config = document.getElementById("campaign-live-preview");
    if (!config) { return; }
    var page = config.closest("form");
    var tokenField = page && page.querySelector("input[name=csrfmiddlewaretoken]");
    if (!tokenField) { return; }
    var url = config.getAttribute("data-url");
    var text = function (name) { return config.getAttribute("data-" + name); };
    var count = 0;

    function topics() {
      var values = [];
      page.querySelectorAll('[name="topic"], [name="topics"]').forEach(function (field) {
        if (field.tagName === "SELECT") {
          Array.prototype.forEach.call(field.selectedOptions, function (option) { values.push(option.value); });
        } else if (field.type !== "checkbox" || field.checked) {
          values.push(field.value);
        }
      });
      return values;
    }

    function element(tag, attributes, content) {
      var node = document.createElement(tag);
      Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
      if (content) { node.textContent = content; }
      return node;
    }

    function setUp(box) {
      var field = function (name) { return box.querySelector('[name$="-' + name + '"]'); };
      var fields = {
        language: field("language"), subject: field("subject"), preheader: field("preheader"),
        body: field("body"), text: field("text"),
      };
      if (!fields.body || !fields.language || fields.body.disabled) { return; }
      count += 1;
      var id = "campaign-live-preview-" + count;
      var panel = element("section", {"class": "live-preview", "aria-labelledby": id + "-heading"});
      panel.appendChild(element("h4", {id: id + "-heading"}, text("heading")));
      panel.appendChild(element("p", {"class": "help"}, text("note")));
      var status = element("p", {"class": "live-preview-status", role: "status"});
      panel.appendChild(status);
      var frame = element("iframe", {name: id, title: text("frame-title"), sandbox: "", referrerpolicy: "no-referrer"});
      panel.appendChild(frame);
      var details = element("details", {"class": "live-preview-text"});
      details.appendChild(element("summary", {}, text("text-heading")));
      var plain = element("pre", {tabindex: "0", "aria-label": text("text-heading")});
      details.appendChild(plain);
      panel.appendChild(details);
      box.classList.add("has-live-preview");
      box.appendChild(panel);

      // Outside the campaign form (forms do not nest); posts into the frame.
      var poster = element("form", {method: "post", action: url, target: id, hidden: "", "class": "live-preview-poster"});
      document.body.appendChild(poster);

      function values(part) {
        return {
          csrfmiddlewaretoken: tokenField.value, part: part, language: fields.language.value,
          subject: fields.subject ? fields.subject.value : "", preheader: fields.preheader ? fields.preheader.value : "",
          body: fields.body.value, text: fields.text ? fields.text.value : "",
        };
      }

      function refresh() {
        var data = values("html");
        if (!data.body.trim() && !data.subject.trim()) { status.textContent = text("waiting"); return; }
        if (!data.language) { status.textContent = text("no-language"); return; }
        poster.textContent = "";
        Object.keys(data).forEach(function (name) {
          poster.appendChild(element("input", {type: "hidden", name: name, value: data[name]}));
        });
        topics().forEach(function (value) { poster.appendChild(element("input", {type: "hidden", name: "topic", value: value})); });
        poster.submit();

        var body = new FormData();
        var textData = values("text");
        Object.keys(textData).forEach(function (name) { body.append(name, textData[name]); });
        topics().forEach(function (value) { body.append("topic", value); });
        fetch(url, {method: "POST", body: body, credentials: "same-origin",
                    headers: {"Accept": "application/json", "X-CSRFToken": tokenField.value}})
          .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
          .then(function (answer) {
            plain.textContent = answer.text;
            status.textContent = answer.problems.join(" ");
            panel.classList.toggle("has-problems", answer.problems.length > 0);
          })
          .catch(function () { status.textContent = text("failed"); });
      }

      var timer = null;
      function later() {
        window.clearTimeout(timer);
        timer = window.setTimeout(refresh, DELAY);
      }
      Object.keys(fields).forEach(function (name) {
        if (fields[name]) {
          fields[name].addEventListener("input", later);
          fields[name].addEventListener("change", later);
        }
      });
      page.querySelectorAll('[name="topic"], [name="topics"]').forEach(function (topic) {
        topic.addEventListener("change", later);
      });
      refresh();
    }

    page.querySelectorAll(".inline-related").forEach(function (box) {
      if (!box.classList.contains("empty-form")) { setUp(box); }
    });
    // "Add another content": Django's admin announces the new form.
    document.addEventListener("formset:added", function (event) {
      if (event.target && event.target.classList && event.target.classList.contains("inline-related")) {
        setUp(event.target);
      }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
