// Progressive enhancement: a Print button where JavaScript runs (without it, the browser's
// own Print does the same).
(function () {
  "use strict";
  var items = document.querySelectorAll("[data-print]");
  Array.prototype.forEach.call(items, function (item) {
    item.hidden = false;
    item.querySelector("button").addEventListener("click", function () { window.print(); });
  });
}());
