// Progressive enhancement: "Use my location" fills the hidden coordinates and searches by
// distance. Without JavaScript (or without permission) the ZIP code field does the same job.
(function () {
  "use strict";
  var form = document.querySelector(".filter-form");
  if (!form || !("geolocation" in navigator)) { return; }
  var control = form.querySelector(".geo-control");
  var button = form.querySelector('[data-geo="locate"]');
  var status = form.querySelector('[data-geo="status"]');
  control.hidden = false;
  button.addEventListener("click", function () {
    // The page supplies the words, translated.
    status.textContent = button.getAttribute("data-finding");
    navigator.geolocation.getCurrentPosition(function (position) {
      form.querySelector('[data-geo="lat"]').value = position.coords.latitude.toFixed(5);
      form.querySelector('[data-geo="lng"]').value = position.coords.longitude.toFixed(5);
      form.querySelector("#zip").value = "";
      form.querySelector("#sort").value = "distance";
      form.submit();
    }, function () {
      status.textContent = button.getAttribute("data-failed");
    }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 });
  });
}());
