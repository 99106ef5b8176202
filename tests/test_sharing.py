"""Share what you found (issue 12, point 6): text, email, print and a QR code on a service page
and a list; a resident's short list kept on their device (a cookie of service ids, no account)
that becomes a public link like a clinician's list."""

from __future__ import annotations

import re
from urllib.parse import unquote

from sqlalchemy import event, func, select

from portal.models import ServiceList
from tests.accounts import post_form, token_for
from tests.database import built_once
from tests.factories import (
    AddressFactory,
    LocationFactory,
    PhoneFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
)


@built_once
def services(db):
    pantry = ServiceFactory(name="Oak Hill Food Pantry", description="Groceries every week.")
    pantry.phones.append(PhoneFactory.build(number="(703) 555-0123"))
    place = LocationFactory(organization=pantry.organization, name="Oak Hill Church")
    AddressFactory(location=place, address_1="12 Oak Hill Road", city="Alexandria")
    ServiceAtLocationFactory(service=pantry, location=place)
    clinic = ServiceFactory(name="Riverside Dental Clinic", description="Dental care.")
    clinic.phones.append(PhoneFactory.build(number="(703) 555-0177"))
    closed = ServiceFactory(name="Retired Program", status="inactive")
    db.session.commit()
    return {"pantry": pantry, "clinic": clinic, "closed": closed}


def link(html: str, text: str) -> str:
    match = re.search(r'<a class="[^"]*" href="([^"]+)">' + re.escape(text) + "</a>", html)
    assert match, f"no link {text!r}"
    return unquote(match.group(1).replace("&amp;", "&"))


def test_a_service_page_shares_by_text_email_print_and_qr(client, services):
    pantry = services["pantry"]
    html = client.get(f"/services/{pantry.id}").get_data(as_text=True)
    page_link = f"http://127.0.0.1:5000/services/{pantry.id}"
    sms = link(html, "Text this")
    assert sms.startswith("sms:?&body=")
    body = sms.removeprefix("sms:?&body=")
    assert body.split("\n") == [
        "Oak Hill Food Pantry",
        "(703) 555-0123",
        next(line for line in body.split("\n") if "12 Oak Hill Road" in line),
        page_link,
    ]
    assert "Alexandria" in body
    mailto = link(html, "Email this")
    assert mailto.startswith("mailto:?subject=Oak Hill Food Pantry&body=")
    assert page_link in mailto
    assert "data-print hidden" in html and "js/share.js" in html  # Print: a button with JS
    assert "<svg" in html and "QR code: a link to this page" in html


def test_the_short_list_lives_in_a_cookie_and_becomes_a_public_link(client, db, services):
    pantry, clinic = services["pantry"], services["clinic"]
    assert "Your list is empty" in client.get("/my-list").get_data(as_text=True)
    for service, page in (
        (pantry, f"/services/{pantry.id}"),
        (clinic, "/my-list"),
        (pantry, "/my-list"),
    ):
        response = post_form(client, "/my-list/add", {"service_id": service.id}, token_from=page)
        assert response.status_code == 303  # a second save of the same service is one entry
    cookie = client.get_cookie("my_list")
    assert cookie.value == f"{pantry.id}.{clinic.id}"
    assert cookie.http_only and cookie.same_site == "Lax"
    assert db.session.scalar(select(func.count()).select_from(ServiceList)) == 0  # not yet

    html = client.get("/my-list").get_data(as_text=True)
    assert html.index("Oak Hill Food Pantry") < html.index("Riverside Dental Clinic")
    sms = link(html, "Text this")
    assert "Oak Hill Food Pantry\n(703) 555-0123" in sms
    assert "Riverside Dental Clinic\n(703) 555-0177" in sms
    assert "/my-list" not in sms  # that page shows whoever opens it their own list
    assert "On your list" in client.get(f"/services/{pantry.id}").get_data(as_text=True)

    response = post_form(client, "/my-list/share", {}, token_from="/my-list")
    assert response.status_code == 303
    token = response.headers["Location"].rsplit("/", 1)[1]
    stored = db.session.scalar(select(ServiceList).where(ServiceList.token == token))
    assert stored.created_by_id is None
    assert [item.service_id for item in stored.items] == [pantry.id, clinic.id]
    # The public link works for anyone, without the cookie, and shares on.
    stranger = client.application.test_client()
    shared = stranger.get(f"/l/{token}").get_data(as_text=True)
    assert "Oak Hill Food Pantry" in shared and "Riverside Dental Clinic" in shared
    assert f"/l/{token}" in link(shared, "Text this")
    assert "<svg" in shared

    post_form(client, "/my-list/remove", {"service_id": pantry.id}, token_from="/my-list")
    assert client.get_cookie("my_list").value == clinic.id


def test_bad_or_unlisted_services_are_refused_and_a_bad_cookie_is_ignored(client, services):
    with_form = f"/services/{services['pantry'].id}"
    for value in ("", "not-an-id", services["closed"].id, "x" * 500):
        response = post_form(client, "/my-list/add", {"service_id": value}, token_from=with_form)
        assert response.status_code == 404
    assert (
        client.post("/my-list/add", data={"service_id": services["pantry"].id}).status_code == 400
    )
    client.set_cookie("my_list", f"junk..{services['closed'].id}.{services['clinic'].id}")
    html = client.get("/my-list").get_data(as_text=True)
    assert "Riverside Dental Clinic" in html and "Retired Program" not in html
    empty = client.application.test_client()
    response = post_form(empty, "/my-list/share", {}, token_from=with_form)
    assert response.status_code == 303 and response.headers["Location"].endswith("/my-list")


def test_saving_a_service_reads_only_whether_it_is_listed(client, db, services):
    """Not the service's records: one plain query (catalog/queries.is_public_service)."""
    token = token_for(client, f"/services/{services['pantry'].id}")
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.post(
            "/my-list/add", data={"csrf_token": token, "service_id": services["pantry"].id}
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 303
    assert client.get_cookie("my_list").value == services["pantry"].id
    assert len(sent) == 1 and sent[0].lstrip().upper().startswith("SELECT SERVICE.ID")
