// The wizard's tag field as chips: the typed text becomes a chip at a comma or Enter, existing tags are
// suggested as one types (from the server), and each chip has a remove button. The original text field
// (comma-separated names) stays the one that is submitted, so the form posts the same as without JavaScript.
(function () {
  "use strict";
  var field = document.querySelector("input.tag-input[data-suggest-url]");
  if (!field) { return; }
  var url = field.getAttribute("data-suggest-url");
  var removeLabel = field.getAttribute("data-remove-label") || "{name}";
  var tags = [];
  var timer = null;

  var box = document.createElement("div");
  box.className = "tag-chips";
  var entry = document.createElement("input");
  entry.type = "text";
  entry.className = "tag-entry";
  entry.id = field.id + "-entry";
  entry.autocomplete = "off";
  entry.setAttribute("list", field.id + "-suggestions");
  var list = document.createElement("datalist");
  list.id = field.id + "-suggestions";
  var label = document.querySelector("label[for='" + field.id + "']");
  if (label) { label.setAttribute("for", entry.id); }
  field.parentNode.insertBefore(box, field);
  box.appendChild(entry);
  box.appendChild(list);
  field.hidden = true;

  function known(name) {
    var lower = name.toLowerCase();
    return tags.some(function (t) { return t.toLowerCase() === lower; });
  }
  function sync() {
    field.value = tags.join(", ");
    box.querySelectorAll(".tag-chip").forEach(function (chip) { chip.remove(); });
    tags.forEach(function (name, index) {
      var chip = document.createElement("span");
      chip.className = "tag-chip";
      chip.textContent = name;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "tag-remove";
      remove.textContent = "\u00d7";
      remove.setAttribute("aria-label", removeLabel.replace("{name}", name));
      remove.addEventListener("click", function () {
        tags.splice(index, 1);
        sync();
        entry.focus();
      });
      chip.appendChild(remove);
      box.insertBefore(chip, entry);
    });
  }
  function add(text) {
    text.split(",").forEach(function (part) {
      var name = part.replace(/\s+/g, " ").trim();
      if (name && !known(name)) { tags.push(name); }
    });
    sync();
  }
  function suggest(text) {
    if (!text.trim()) { list.textContent = ""; return; }
    fetch(url + "?q=" + encodeURIComponent(text.trim()), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {tags: []}; })
      .then(function (data) {
        list.textContent = "";
        (data.tags || []).forEach(function (name) {
          if (known(name)) { return; }
          var option = document.createElement("option");
          option.value = name;
          list.appendChild(option);
        });
      })
      .catch(function () { list.textContent = ""; });
  }

  add(field.value);
  entry.addEventListener("keydown", function (event) {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();  // Enter here makes a chip; it never sends the form
      if (entry.value.trim()) {
        add(entry.value);
        entry.value = "";
        list.textContent = "";
      }
    } else if (event.key === "Backspace" && !entry.value && tags.length) {
      tags.pop();
      sync();
    }
  });
  entry.addEventListener("input", function (event) {
    var picked = event.inputType === undefined || event.inputType === "insertReplacementText";
    var offered = Array.prototype.some.call(list.options, function (o) { return o.value === entry.value; });
    if (picked && offered) {  // a suggestion was picked from the list, not typed
      add(entry.value);
      entry.value = "";
      list.textContent = "";
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(function () { suggest(entry.value); }, 150);
  });
  entry.addEventListener("blur", function () {
    if (entry.value.trim()) { add(entry.value); entry.value = ""; }
  });
  if (field.form) {
    field.form.addEventListener("submit", function () {
      if (entry.value.trim()) { add(entry.value); entry.value = ""; }
    });
  }
})();
