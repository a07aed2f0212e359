// The inspector's record survives a lost connection on site: a submit while the phone is offline
// keeps the answers in this browser (localStorage, one entry per task) and sends them when the
// connection comes back, or the next time the page is opened online. Files are not kept: evidence
// is uploaded on its own form, once online.
(function () {
  "use strict";
  var form = document.querySelector("form[data-offline-key]");
  if (!form) return;
  var key = "jiliang-offline:" + form.dataset.offlineKey;
  var note = document.querySelector("[data-offline-note]");

  function save() {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") fields.push([name, value]);
    });
    localStorage.setItem(key, JSON.stringify(fields));
  }

  function restoreAndSend() {
    var saved = localStorage.getItem(key);
    if (!saved || !navigator.onLine) return;
    localStorage.removeItem(key);
    JSON.parse(saved).forEach(function (pair) {
      form.querySelectorAll('[name="' + CSS.escape(pair[0]) + '"]').forEach(function (input) {
        if (input.type === "radio" || input.type === "checkbox") {
          if (input.value === pair[1]) input.checked = true;
        } else {
          input.value = pair[1];
        }
      });
    });
    form.submit();
  }

  form.addEventListener("submit", function (event) {
    if (navigator.onLine) return;
    event.preventDefault();
    save();
    if (note) note.hidden = false;
  });
  window.addEventListener("online", restoreAndSend);
  restoreAndSend();
})();
