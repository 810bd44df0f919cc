// Suggests contacts as the agent types a customer's name or email in the new-ticket wizard; the server
// only returns contacts the agent may open tickets for. Choosing one fills in both fields.
(function () {
  "use strict";
  // Enter in the "Find a customer" box searches (without JavaScript it moves to the next step)
  var query = document.getElementById("contact_query");
  var find = document.querySelector("button[name=go][value=find_contact]");
  if (query && find) {
    query.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); find.click(); }
    });
  }
  var email = document.querySelector("input[name=customer_email][data-search-url]");
  var name = document.querySelector("input[name=customer_name]");
  if (!email) { return; }
  var list = document.getElementById("contact-suggestions");
  var url = email.getAttribute("data-search-url");
  var found = {};
  var timer = null;
  function fill(contacts) {
    found = {};
    list.textContent = "";
    contacts.forEach(function (c) {
      found[c.email] = c;
      var option = document.createElement("option");
      option.value = c.email;
      option.label = c.company ? c.name + " · " + c.company : c.name;
      list.appendChild(option);
    });
  }
  function search(text) {
    if (text.trim().length < 2) { fill([]); return; }
    fetch(url + "?q=" + encodeURIComponent(text), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {contacts: []}; })
      .then(function (data) { fill(data.contacts || []); })
      .catch(function () { fill([]); });
  }
  function typed(event) {
    var text = event.target.value;
    if (event.target === email && found[text]) {
      if (name && !name.value) { name.value = found[text].name; }
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(function () { search(text); }, 200);
  }
  email.setAttribute("list", "contact-suggestions");
  email.addEventListener("input", typed);
  if (name) { name.addEventListener("input", typed); }
})();
