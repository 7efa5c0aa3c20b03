/* Address forms (orders/addresses/forms.py): province -> city -> district selects refilled
   from the regions endpoint when a choice changes, and a pasted address split into the
   fields by the parse endpoint, shown for the person to check. No page reload, no library. */
(function () {
  "use strict";

  function selectOf(form, level) {
    return form.querySelector('select[data-region="' + level + '"]');
  }

  function fill(select, names, chosen) {
    var blank = select.options.length ? select.options[0].text : "";
    select.innerHTML = "";
    select.appendChild(new Option(blank, ""));
    names.forEach(function (name) { select.appendChild(new Option(name, name)); });
    select.value = names.indexOf(chosen) >= 0 ? chosen : "";
  }

  function load(form, province, city) {
    var select = selectOf(form, "province");
    var url = select.dataset.regionsUrl + "?" + new URLSearchParams({province: province, city: city || ""});
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {cities: [], districts: []}; });
  }

  // Choose province, city and district in turn, each list loaded for the choice above it.
  function choose(form, province, city, district) {
    selectOf(form, "province").value = province;
    return load(form, province, "").then(function (names) {
      fill(selectOf(form, "city"), names.cities, city);
      fill(selectOf(form, "district"), [], "");
      if (!selectOf(form, "city").value) { return null; }
      return load(form, province, selectOf(form, "city").value).then(function (more) {
        fill(selectOf(form, "district"), more.districts, district);
      });
    });
  }

  function watchSelects(form) {
    var province = selectOf(form, "province"), city = selectOf(form, "city");
    if (!province || !city) { return; }
    province.addEventListener("change", function () {
      choose(form, province.value, "", "");
    });
    city.addEventListener("change", function () {
      load(form, province.value, city.value).then(function (names) {
        fill(selectOf(form, "district"), names.districts, "");
      });
    });
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function showParts(box, body) {
    box.innerHTML = "";
    var title = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = body.check_text;
    title.appendChild(strong);
    box.appendChild(title);
    var list = document.createElement("dl");
    Object.keys(body.parts).forEach(function (part) {
      var term = document.createElement("dt"), value = document.createElement("dd");
      term.textContent = body.labels[part];
      value.textContent = body.parts[part] || "—";
      value.dataset.part = part;
      list.appendChild(term);
      list.appendChild(value);
    });
    box.appendChild(list);
    if (body.missing.length) {
      var missing = document.createElement("p");
      missing.className = "oh-missing";
      missing.textContent = body.missing_text;
      box.appendChild(missing);
    }
    box.hidden = false;
  }

  function watchPaste(form) {
    var button = form.querySelector("[data-address-split]");
    if (!button) { return; }
    var targets = JSON.parse(button.dataset.targets);
    var box = form.querySelector("[data-address-parsed]");
    var paste = form.querySelector("[data-address-paste]");
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var data = new URLSearchParams({text: paste.value});
      fetch(button.dataset.parseUrl, {
        method: "POST", credentials: "same-origin", body: data,
        headers: {"X-CSRFToken": csrfToken(form), "Accept": "application/json"}
      }).then(function (response) { return response.json(); }).then(function (body) {
        if (!body.parts) { box.textContent = body.detail || ""; box.hidden = false; return; }
        ["name", "phone", "address"].forEach(function (part) {
          var input = document.getElementById(targets[part]);
          if (input && body.parts[part]) { input.value = body.parts[part]; }
        });
        var parts = body.parts;
        var ready = parts.province
          ? choose(form, parts.province, parts.city, parts.district)
          : Promise.resolve();
        ready.then(function () { showParts(box, body); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      watchSelects(form);
      watchPaste(form);
    });
  });
})();
