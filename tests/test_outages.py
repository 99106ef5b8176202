"""A database restart mid-load (issue 18.10): a 503 with Retry-After instead of a 500, a read
tried once more, and the search follower that waits for the database instead of dying."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from portal.auth.permissions import public
from portal.search import outbox
from tests.accounts import token_for

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
