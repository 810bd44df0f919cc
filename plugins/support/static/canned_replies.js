// The ticket page's canned replies: Insert fetches the chosen reply, filled in for this ticket by the server,
// and puts it at the cursor in the reply box without reloading (without JavaScript, Insert posts the form and
// the server shows the page again with the text appended). A failed request is reported beside the select;
// the typed text stays.
(function () {
  "use strict";
  document.querySelectorAll("button.canned-insert").forEach(function (button) {
    var form = button.form;
    var select = form && form.querySelector("select[name=canned_reply]");
    var box = document.getElementById(button.getAttribute("data-target"));
    var error = form && form.querySelector(".canned-error");
    if (!form || !select || !box || !window.fetch) { return; }
    function insert(text) {
      var start = box.selectionStart, end = box.selectionEnd, value = box.value;
      if (typeof start !== "number") { start = end = value.length; }
      box.value = value.slice(0, start) + text + value.slice(end);
      box.focus();
      box.selectionStart = box.selectionEnd = start + text.length;
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }
    function report(message) {
      if (!error) { return; }
      error.textContent = message;
      error.hidden = !message;
    }
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var url = button.getAttribute("data-url") + "?reply=" + encodeURIComponent(select.value);
      button.disabled = true;
      report("");
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) { insert(data.text || ""); })
        .catch(function () { report(button.getAttribute("data-failed")); })
        .finally(function () { button.disabled = false; });
    });
  });
})();
