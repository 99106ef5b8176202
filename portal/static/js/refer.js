// Progressive enhancement of the referral page: a type-ahead over the list of people, and
// the new-person and consent sections shown only when they are needed. Without JavaScript
// every section stays visible and the server decides what applies.
(function () {
  "use strict";
  var form = document.querySelector(".refer-form");
  if (!form) { return; }
  var select = form.querySelector("#client_id");
  var finder = form.querySelector('[data-refer="finder"]');
  var search = form.querySelector("#person-finder");
  var count = form.querySelector("#person-finder-count");
  var newPerson = form.querySelector('[data-refer="new-person"]');
  var consent = form.querySelector('[data-refer="consent"]');
  var onFile = form.querySelector('[data-refer="consent-on-file"]');
  var hasErrors = consent.querySelector(".field-error") !== null;

  function update() {
    var option = select.options[select.selectedIndex];
    var chosen = select.value !== "";
    newPerson.hidden = chosen;
    var covered = chosen && option.getAttribute("data-consent") === "yes";
    consent.hidden = covered && !hasErrors;
    onFile.hidden = !covered;
  }

  function filter() {
    var words = search.value.trim().toLowerCase();
    var shown = 0;
    var last = null;
    for (var i = 1; i < select.options.length; i += 1) {
      var option = select.options[i];
      var match = words === "" || option.text.toLowerCase().indexOf(words) !== -1;
      option.hidden = !match;
      option.disabled = !match;
      if (match) { shown += 1; last = option; }
    }
    if (words !== "" && shown === 1) { select.value = last.value; }
    count.textContent = words === "" ? "" : finder.getAttribute("data-shown") + " " + shown;
    update();
  }

  finder.hidden = false;
  search.addEventListener("input", filter);
  select.addEventListener("change", update);
  update();
}());
