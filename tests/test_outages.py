"""A database restart mid-load (issue 18.10): a 503 with Retry-After instead of a 500, a read
tried once more, and the search follower that waits for the database instead of dying."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from portal.auth.permissions import public
from portal.extensions import db
from portal.search import outbox
from tests.accounts import signed_in, token_for
from tests.factories import UserFactory

GONE = OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


@pytest.fixture
def flaky(app):
    """A public page (GET and POST) whose first `failures` calls meet a database outage."""
    state = {"calls": 0, "failures": 1}

    def view():
        state["calls"] += 1
        if state["calls"] <= state["failures"]:
            raise GONE
        return "fine"

    app.add_url_rule("/flaky", "flaky", public(view), methods=["GET", "POST"])
    return state


def test_a_read_that_meets_an_outage_is_tried_once_more(client, flaky):
    response = client.get("/flaky")
    assert response.status_code == 200 and response.get_data(as_text=True) == "fine"
    assert flaky["calls"] == 2


def test_an_outage_that_lasts_gets_503_with_retry_after(client, flaky):
    flaky["failures"] = 10
    response = client.get("/flaky", headers={"Accept": "application/json"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["status"] == 503
    assert "X-Portal-Database-Unavailable" not in response.headers
    assert flaky["calls"] == 2  # once more, not for ever


def test_a_write_is_never_repeated(client, flaky):
    response = client.post("/flaky", data={"csrf_token": token_for(client, "/login")})
    assert response.status_code == 503 and "988" in response.get_data(as_text=True)
    assert flaky["calls"] == 1


def test_the_search_follower_waits_for_the_database(app, monkeypatch):
    results = [GONE, GONE, 3, 0]
    pauses, said = [], []

    def sync(session, tell):
        result = results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    monkeypatch.setattr(outbox, "sync", sync)
    monkeypatch.setattr(outbox.time, "sleep", pauses.append)
    outbox.follow(1.0, tell=said.append, keep_going=lambda: bool(results))
    assert pauses == [1.0, 2.0, 1.0, 1.0]  # doubling while it is away, back to normal after
    assert "Applied changes to 3 services." in said
    assert sum("not answering" in line for line in said) == 2


def test_a_signed_in_page_in_an_outage_gets_503_not_500(app, monkeypatch):
    """Loading the signed-in person meets the outage too, and so would the 503 page's own
    account links: the page is drawn as for anyone instead of failing again into a 500."""
    client = signed_in(app, UserFactory(role="clinician"))

    def gone(*args, **kwargs):
        raise GONE

    for name in ("get", "execute", "scalar", "scalars"):
        monkeypatch.setattr(db.session, name, gone)
    response = client.get("/dashboard")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "988" in response.get_data(as_text=True)


def test_a_connection_that_dies_after_the_page_is_done_costs_nothing(app):
    """The restart can come between a page's last query and the end of its request: closing
    the session then meets the dead connection, which must not turn the finished page into a
    500 (the end of the request runs outside the error handlers)."""
    session = db.session()
    close = session.close

    def dying_close():
        session.close = close
        raise GONE

    session.close = dying_close
    app.do_teardown_appcontext(None)
    assert db.session() is not session  # the broken session is dropped, the next starts anew
