"""The program reports in a real Chromium (issue 15): a supervisor signs in, opens /reports for
a month with calls and encounters in it, and axe-core finds nothing serious or critical; at
phone width the page itself never scrolls sideways (wide tables scroll in their own box)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete

from portal.extensions import db
from portal.models import Call, Encounter
from tests.e2e.signing import sign_in
from tests.factories import UserFactory
from tests.reports_golden import FIRST, LAST, local

# Anonymous records only: the live server is shared, and these touch no catalog record.
CALLS = [
    ("E2E-C1", "2026-03-02T09:15", 9, 0, "responded"),
    ("E2E-C2", "2026-03-02T22:10", 22, 0, "off-duty"),
    ("E2E-C3", "2026-03-15T14:00", 14, 6, "busy"),
]
ENCOUNTERS = [
    ("2026-03-02T09:40", "dispatch", "resolved", "black"),
    ("2026-03-09T16:00", "outreach", "tdo", "white"),
    ("2026-03-20T11:30", "walk-in", "referred", None),
]


@pytest.fixture(scope="module")
def supervisor_with_a_month(live_server):
    with live_server.app.app_context():
        supervisor = UserFactory(role="supervisor", email="reports-supervisor@example.org")
        for call_id, received, hour, weekday, status in CALLS:
            db.session.add(
                Call(
                    call_id=call_id,
                    received_at=local(received),
                    local_hour=hour,
                    local_weekday=weekday,
                    nature="behavioral health",
                    team_status=status,
                )
            )
        encounters = [
            Encounter(occurred_at=local(at), source=source, disposition=disposition, race=race)
            for at, source, disposition, race in ENCOUNTERS
        ]
        db.session.add_all(encounters)
        db.session.commit()
        email, ids = supervisor.email, [e.id for e in encounters]
        db.session.remove()
    yield email
    with live_server.app.app_context():
        db.session.execute(delete(Encounter).where(Encounter.id.in_(ids)))
        db.session.execute(delete(Call).where(Call.call_id.in_([c[0] for c in CALLS])))
        db.session.commit()
        db.session.remove()


def open_reports(page, live_server, email):
    sign_in(page, live_server, email)
    page.goto(f"/reports?period=custom&start={FIRST}&end={LAST}")
    expect(page.get_by_role("heading", name="Program reports", level=1)).to_be_visible()
    # The month's records are on the page, not an empty report.
    expect(page.locator("#coverage tbody tr").first).to_have_text(
        "All behavioral-health calls" + str(len(CALLS))
    )
    expect(page.locator("#encounters-by-disposition svg.chart")).to_be_attached()


def test_a_supervisor_sees_the_reports_and_axe_finds_nothing_serious(
    page, live_server, supervisor_with_a_month, assert_accessible
):
    open_reports(page, live_server, supervisor_with_a_month)
    assert_accessible(page)


def test_the_reports_fit_a_phone_and_only_tables_scroll_sideways(
    phone_page, live_server, supervisor_with_a_month
):
    open_reports(phone_page, live_server, supervisor_with_a_month)
    widths = phone_page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways at phone width: {widths}"
    # Every table sits in its own scrolling box, reachable by keyboard.
    tables = phone_page.locator(".report-table table")
    assert tables.count() > 0
    assert phone_page.locator(".report-table .table-scroll[tabindex='0'] > table").count() == (
        tables.count()
    )
    # The period form is usable by keyboard at this width.
    phone_page.get_by_role("button", name="Show the report").focus()
    expect(phone_page.get_by_role("button", name="Show the report")).to_be_focused()
