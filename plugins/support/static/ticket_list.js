// Ticket list: "choose all" for the bulk actions, and each action's own field shown only with it.
(function () {
  "use strict";
  var form = document.getElementById("bulk");
  if (!form) { return; }
  var all = form.querySelector("[data-select-all]");
  var boxes = function () { return form.querySelectorAll('input[type="checkbox"][name="ids"]'); };

  function syncAll() {
    if (!all) { return; }
    var list = boxes(), chosen = 0;
    for (var i = 0; i < list.length; i++) { if (list[i].checked) { chosen++; } }
    all.checked = list.length > 0 && chosen === list.length;
    all.indeterminate = chosen > 0 && chosen < list.length;
  }

  if (all) {
    all.addEventListener("change", function () {
      var list = boxes();
      for (var i = 0; i < list.length; i++) { list[i].checked = all.checked; }
      all.indeterminate = false;
    });
    form.addEventListener("change", function (event) {
      if (event.target.name === "ids") { syncAll(); }
    });
    syncAll();
  }

  var action = form.querySelector("[data-bulk-action]");
  function showFields() {
    var fields = form.querySelectorAll("[data-bulk-for]");
    for (var i = 0; i < fields.length; i++) {
      var mine = action && fields[i].getAttribute("data-bulk-for") === action.value;
      fields[i].hidden = !mine;
      fields[i].disabled = !mine;
    }
  }
  if (action) {
    action.addEventListener("change", showFields);
    showFields();
  }
}());
