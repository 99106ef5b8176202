// Progressive enhancement: a Leaflet map of the services listed on the page. The list is
// complete without it; each marker is a keyboard-reachable button named after its service,
// whose popup links to the service's page.
(function () {
  "use strict";
  if (!window.L) { return; }
  var sections = document.querySelectorAll("[data-map-section]");
  Array.prototype.forEach.call(sections, function (section) {
    var element = section.querySelector("[data-map]");
    var data = JSON.parse(element.getAttribute("data-map"));
    section.hidden = false;
    element.setAttribute("role", "region");
    element.setAttribute("aria-label", element.getAttribute("data-map-label"));
    // The pins carry the listings' own names, in the language they were written in.
    var listingLang = element.getAttribute("data-listing-lang");
    var map = L.map(element, { scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({
      zoomInTitle: element.getAttribute("data-zoom-in"),
      zoomOutTitle: element.getAttribute("data-zoom-out")
    }).addTo(map);
    // Leaflet's own credit, without its English tooltip.
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    var credit = document.createElement("a");
    credit.href = data.attribution_url;
    credit.textContent = data.attribution;
    L.tileLayer(data.tiles, { maxZoom: 19, attribution: credit.outerHTML }).addTo(map);
    var bounds = [];
    var markers = [];
    data.points.forEach(function (point) {
      var label = point.place ? point.name + ", " + point.place : point.name;
      var marker = L.marker([point.lat, point.lng], { title: label, alt: label, keyboard: true });
      var link = document.createElement("a");
      link.href = point.url;
      link.textContent = point.name;
      var popup = document.createElement("p");
      popup.lang = listingLang;
      popup.appendChild(link);
      if (point.place) { popup.appendChild(document.createTextNode(" — " + point.place)); }
      marker.bindPopup(popup).addTo(map);
      markers.push(marker);
      bounds.push([point.lat, point.lng]);
    });
    if (bounds.length === 1) {
      map.setView(bounds[0], 15);
    } else {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
    }
    // A marker has its element once the map has a view.
    markers.forEach(function (marker) { marker.getElement().setAttribute("lang", listingLang); });
  });
}());
