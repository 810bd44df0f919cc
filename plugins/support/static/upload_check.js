// Checks the chosen files before a reply or note is sent: too many or too large files are reported
// beside the form and nothing is sent, so the typed text stays in the box (a refused upload would lose it).
(function () {
  "use strict";
  function check(form) {
    var maxFiles = parseInt(form.getAttribute("data-max-files"), 10);
    var maxBytes = parseInt(form.getAttribute("data-max-file-bytes"), 10);
    var files = [];
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) { files.push(file); });
    });
    if (!isNaN(maxFiles) && files.length > maxFiles) {
      return form.getAttribute("data-too-many");
    }
    for (var i = 0; i < files.length; i++) {
      if (!isNaN(maxBytes) && files[i].size > maxBytes) {
        return form.getAttribute("data-too-large").replace("{name}", files[i].name);
      }
    }
    return "";
  }
  document.querySelectorAll("form.upload-form").forEach(function (form) {
    var box = form.querySelector(".upload-error");
    function show(message) {
      if (!box) { return; }
      box.textContent = message;
      box.hidden = !message;
    }
    form.addEventListener("change", function (event) {
      if (event.target && event.target.type === "file") { show(check(form)); }
    });
    form.addEventListener("submit", function (event) {
      var message = check(form);
      show(message);
      if (message) { event.preventDefault(); }
    });
  });
})();
