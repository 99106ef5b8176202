"""/reports and the Marcus Alert report in a real Chromium, at phone and desktop width, checked
with axe-core: a supervisor signs in, chooses a period without JavaScript, reads the tables."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Call, Encounter
from tests.e2e.test_referral_loop import sign_in
from tests.factories import UserFactory


def make_supervisor_and_rows(live_server, email: str) -> None:
    """A supervisor and a few calls and anonymous encounters in May 2026 (no listings, so
    the other browser tests' catalog is untouched)."""
    with live_server.app.app_context():
        if db.session.scalar(db.select(Call).where(Call.call_id == "E2E-1")) is None:
            for i, status in enumerate(("responded", "off-duty", "busy")):
                db.session.add(
                    Call(
                        call_id=f"E2E-{i}",
                        received_at=dt.datetime(2026, 5, 4 + i, 15, tzinfo=dt.UTC),
                        local_hour=11,
                        local_weekday=i,
                        team_status=status,
                    )
                )
            for disposition, race in (("resolved", "white"), ("tdo", "black")):
                db.session.add(
                    Encounter(
                        occurred_at=dt.datetime(2026, 5, 5, 16, tzinfo=dt.UTC),
                        source="dispatch",
                        disposition=disposition,
                        race=race,
                    )
                )
        UserFactory(role="supervisor", email=email)
        db.session.commit()
        db.session.remove()


def test_the_reports_page_is_accessible_and_works_without_javascript(
    open_page, live_server, assert_accessible, viewport
):
    email = f"reports-{viewport}@example.org"
    make_supervisor_and_rows(live_server, email)
    page = open_page(viewport, java_script_enabled=False)
    sign_in(page, email)
    page.goto("/reports")
    expect(page.get_by_role("heading", name="Program reports", level=1)).to_be_visible()
    page.get_by_label("Custom dates").check()
    page.get_by_label("From (custom)").fill("2026-05-01")
    page.get_by_label("To (custom, included)").fill("2026-05-31")
    page.get_by_role("button", name="Show the report").click()
    coverage = page.locator("section#coverage")
    expect(coverage.get_by_role("row", name="All behavioral-health calls 3")).to_be_visible()
    expect(coverage.get_by_role("link", name="Download CSV")).to_be_visible()
    assert_accessible(page)
    page.goto("/reports/marcus-alert?year=2026")
    expect(page.get_by_role("heading", name="Marcus Alert yearly report 2026")).to_be_visible()
    assert_accessible(page)
