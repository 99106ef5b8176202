"""Error pages and messages (issue 12, point 8): the 404 and 400 pages are the portal's own,
with a search box and the crisis lines; form errors name their field in plain words."""

from __future__ import annotations

import html

import pytest
from wtforms import DecimalField, IntegerField, SelectChoice, SelectField

from portal.forms import PortalForm


def _has_search_and_crisis_lines(body: str) -> None:
    assert 'id="error-search"' in body and 'action="/search"' in body
    for href in ('href="tel:988"', 'href="sms:988"', 'href="tel:911"'):
        assert body.count(href) >= 2, href  # in the banner and on the page itself


def test_the_404_page_has_a_search_box_and_the_crisis_lines(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    body = html.unescape(response.get_data(as_text=True))
    assert "We could not find that page" in body
    _has_search_and_crisis_lines(body)


def test_a_missing_service_is_the_same_404_page(client):
    response = client.get("/services/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    _has_search_and_crisis_lines(response.get_data(as_text=True))


def test_the_400_page_has_a_search_box_and_the_crisis_lines(client):
    response = client.post("/logout")  # no CSRF token
    assert response.status_code == 400
    body = html.unescape(response.get_data(as_text=True))
    _has_search_and_crisis_lines(body)


def test_errors_asked_as_json_stay_json(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        (
            {"radius": "five", "zip": "22314"},
            "radius",
            "Distance must be a number of miles, like 5.",
        ),
        ({"age": "ten"}, "age", "Age must be a whole number of years, like 34."),
        ({"lat": "north", "lng": "-77"}, "lat", "Latitude must be a number, like 38.80."),
        ({"page": "next"}, "page", "Page must be a whole number, like 2."),
        ({"language": "xx"}, "language", "Choose one of the options listed for “Language”."),
        ({"category": "nope"}, "category", "Choose one of the options listed for “Category”."),
        ({"sort": "random"}, "sort", "Choose one of the options listed for “Sort by”."),
    ],
)
def test_search_form_errors_name_their_field(client, args, field, message):
    response = client.get("/search.json", query_string={"q": "food", **args})
    assert response.status_code == 400
    assert response.get_json()["errors"][field] == [message]
    page = html.unescape(
        client.get("/search", query_string={"q": "food", **args}).get_data(as_text=True)
    )
    assert message in page


def test_every_portal_form_names_the_field_in_wtforms_own_errors(app):
    class Form(PortalForm):
        class Meta:
            csrf = False

        beds = IntegerField("Beds open now")
        fee = DecimalField("Fee in dollars")
        kind = SelectField("Kind of service", choices=[SelectChoice("a", "A")])

    with app.test_request_context(method="POST", data={"beds": "a few", "fee": "$$", "kind": "z"}):
        form = Form()
        assert not form.validate()
        assert form.errors == {
            "beds": ["Beds open now must be a whole number."],
            "fee": ["Fee in dollars must be a number."],
            "kind": ["Choose one of the options listed for “Kind of service”."],
        }
