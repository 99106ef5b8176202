"""A map (issue 12, point 7): Leaflet served from this site, tiles from the configured server,
a pin per public physical location with coordinates, never for others; the list comes first and
is complete without JavaScript."""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path

from portal.search import rebuild_index
from tests.database import built_once
from tests.factories import (
    AddressFactory,
    LocationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
)

VENDOR = Path(__file__).resolve().parent.parent / "portal" / "static" / "vendor" / "leaflet"


@built_once
def places(db):
    clinic = ServiceFactory(name="Harbor Counseling Clinic", description="Counseling.")
    office = LocationFactory(
        organization=clinic.organization, name="Harbor Office", latitude=38.8048, longitude=-77.0469
    )
    AddressFactory(location=office, address_1="100 King Street", city="Alexandria")
    ServiceAtLocationFactory(service=clinic, location=office)
    online = ServiceFactory(name="Online Counseling Group", description="Counseling by video.")
    virtual = LocationFactory(
        organization=online.organization,
        name="Video room",
        location_type="virtual",
        latitude=38.9,
        longitude=-77.1,
    )
    ServiceAtLocationFactory(service=online, location=virtual)
    safe = ServiceFactory(name="Safe House Counseling", description="Counseling, private address.")
    # A confidential place keeps its coordinates (for distances by ZIP) but never gets a pin.
    hidden = LocationFactory(
        organization=safe.organization,
        name="Private site",
        latitude=38.81,
        longitude=-77.05,
        confidential=True,
    )
    ServiceAtLocationFactory(service=safe, location=hidden)
    db.session.commit()
    rebuild_index()
    return {"clinic": clinic, "online": online, "safe": safe}


def map_of(html: str) -> dict | None:
    match = re.search(r'data-map="([^"]+)"', html)
    return json.loads(html_lib.unescape(match.group(1))) if match else None


def test_results_have_a_map_after_the_complete_list(client, places):
    html = client.get("/search?q=counseling").get_data(as_text=True)
    data = map_of(html)
    assert data["tiles"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert data["attribution"] == "© OpenStreetMap contributors"
    # Only the physical location with coordinates gets a pin; the list still has all three.
    assert data["points"] == [
        {
            "name": "Harbor Counseling Clinic",
            "place": "100 King Street",
            "lat": 38.8048,
            "lng": -77.0469,
            "url": f"/services/{places['clinic'].id}",
        }
    ]
    assert html.count('class="card-title"') == 3
    assert html.rindex('class="card-title"') < html.index("data-map-section")
    assert re.search(r"<section[^>]*data-map-section hidden>", html)  # shown by the script only
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert "/static/vendor/leaflet/leaflet.js" in scripts and "/static/js/map.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)  # never a CDN


def test_a_service_page_has_a_map_when_it_has_a_place(client, places):
    page = client.get(f"/services/{places['clinic'].id}").get_data(as_text=True)
    assert [p["name"] for p in map_of(page)["points"]] == ["Harbor Counseling Clinic"]
    for service in (places["online"], places["safe"]):
        assert map_of(client.get(f"/services/{service.id}").get_data(as_text=True)) is None


def test_the_tile_server_comes_from_configuration(app, client, places):
    app.config["PORTAL_MAP_TILE_URL"] = "https://tiles.example.org/{z}/{x}/{y}.png"
    html = client.get("/search?q=counseling").get_data(as_text=True)
    assert map_of(html)["tiles"] == "https://tiles.example.org/{z}/{x}/{y}.png"


def test_leaflet_is_served_from_this_site_with_its_licence(client):
    for name in ("leaflet.js", "leaflet.css", "images/marker-icon.png"):
        response = client.get(f"/static/vendor/leaflet/{name}")
        assert response.status_code == 200, name
        response.close()
    assert "Volodymyr Agafonkin" in (VENDOR / "LICENSE").read_text()
    assert "Leaflet 1.9.4" in (VENDOR / "leaflet.js").read_text()[:200]
