"""The index follows the database: outbox rows in the transaction, applied after commit."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.models import Organization, SearchOutbox, Service
from portal.search import SearchParams, rebuild_index, search_services
from portal.search.indexer import store
from tests.database import built_once
from tests.factories import (
    AddressFactory,
    AttributeFactory,
    LocationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
)

ROOT = Path(__file__).resolve().parent.parent


def found(words: str) -> list[str]:
    from portal.extensions import db

    page = search_services(SearchParams(q=words))
    db.session.expire_all()  # other sessions and processes changed these rows
    return [db.session.get(Service, i).name for i in page.service_ids]


@built_once
def indexed(db):
    service = ServiceFactory(name="Harbor Counseling", description="Talk therapy.")
    db.session.commit()
    rebuild_index()
    return service


def outbox_count(db) -> int:
    return db.session.scalar(select(func.count(SearchOutbox.id)))


def test_an_edit_is_searchable_right_after_commit(db, indexed):
    indexed.name = "Lighthouse Counseling"
    db.session.commit()
    assert found("lighthouse") == ["Lighthouse Counseling"]
    assert found("harbor") == []


def test_new_and_retired_services_follow_the_database(db, indexed):
    ServiceFactory(name="Granite Food Pantry")
    db.session.commit()
    assert found("granite") == ["Granite Food Pantry"]
    indexed.status = "inactive"
    db.session.commit()
    assert found("harbor") == []
    pantry = db.session.scalar(select(Service).where(Service.name == "Granite Food Pantry"))
    db.session.delete(pantry)
    db.session.commit()
    assert found("granite") == []


def test_changes_to_related_records_reindex_their_services(db, indexed):
    taxonomy = TaxonomyFactory()
    term = TaxonomyTermFactory(name="Peer support", taxonomy_detail=taxonomy)
    AttributeFactory(link_id=indexed.id, taxonomy_term=term)
    db.session.commit()
    assert found("peer") == ["Harbor Counseling"]
    term.name = "Mentoring"
    db.session.commit()
    assert found("mentoring") == ["Harbor Counseling"]
    db.session.get(Organization, indexed.organization_id).name = "Quayside Health"
    db.session.commit()
    assert found("quayside") == ["Harbor Counseling"]


def test_result_cards_show_a_change_to_any_of_their_records(client, db, indexed):
    from portal.models import Phone

    phone = Phone(service_id=indexed.id, number="703-555-0111", type="voice")
    db.session.add(phone)
    db.session.commit()
    assert "(703) 555-0111" in client.get("/search?q=harbor").get_data(as_text=True)
    # The card is kept between searches while the index is unchanged; a change to one of
    # its records re-indexes the service, and the next search shows the new number.
    phone.number = "703-555-0122"
    db.session.commit()
    page = client.get("/search?q=harbor").get_data(as_text=True)
    assert "(703) 555-0122" in page and "(703) 555-0111" not in page


def first_card(client, words: str) -> dict:
    results = client.get("/search.json", query_string={"q": words}).get_json()["results"]
    assert len(results) == 1
    return results[0]


def test_a_card_shows_a_phone_added_to_its_organization(client, db, indexed):
    from portal.models import Phone

    assert first_card(client, "harbor")["phone"] is None
    # An organization's own phone is the card's last resort; it is no part of the index.
    db.session.add(
        Phone(organization_id=indexed.organization_id, number="703-555-0133", type="voice")
    )
    db.session.commit()
    assert first_card(client, "harbor")["phone"] == "(703) 555-0133"


def test_a_card_follows_a_renamed_capacity_unit(client, db, indexed):
    from portal.models import ServiceCapacity, Unit

    beds = Unit(name="beds")
    db.session.add(ServiceCapacity(service_id=indexed.id, unit=beds, available=3))
    db.session.commit()
    assert first_card(client, "harbor")["capacity"] == ["3 beds open"]
    beds.name = "cots"
    db.session.commit()
    assert first_card(client, "harbor")["capacity"] == ["3 cots open"]


def test_hours_at_one_location_reach_the_index(db, indexed):
    import datetime as dt

    from portal.models import Schedule

    location = LocationFactory()
    placement = ServiceAtLocationFactory(service=indexed, location=location)
    db.session.commit()
    sunday_3am = SearchParams(q="harbor", open_at=dt.datetime(2026, 11, 29, 3, 0))
    assert search_services(sunday_3am).total == 0
    db.session.add(
        Schedule(
            service_at_location_id=placement.id,
            freq="WEEKLY",
            byday="SU",
            opens_at=dt.time(0),
            closes_at=dt.time(0),
        )
    )
    db.session.commit()
    assert search_services(sunday_3am).total == 1


def test_a_moved_location_moves_its_services(db, indexed):
    from portal.search import geo

    location = LocationFactory(latitude=38.80, longitude=-77.05)
    AddressFactory(location=location)
    ServiceAtLocationFactory(service=indexed, location=location)
    db.session.commit()
    near_richmond = SearchParams(q="harbor", near=geo.Point(37.54, -77.43), radius_miles=10)
    assert search_services(near_richmond).total == 0
    location.latitude, location.longitude = 37.54, -77.44
    db.session.commit()
    assert search_services(near_richmond).total == 1


def test_a_rolled_back_change_never_reaches_the_index(db, indexed):
    before = outbox_count(db)
    indexed.name = "Phantom Counseling"
    db.session.flush()
    db.session.rollback()
    assert found("phantom") == []
    assert outbox_count(db) == before


def test_a_held_lock_leaves_the_change_for_sync(app, db, indexed):
    app.config["PORTAL_SEARCH_LOCK_TIMEOUT"] = 0.2
    ix = store().open()
    blocker = ix.writer()
    try:
        indexed.name = "Beacon Counseling"
        db.session.commit()  # the commit succeeds; the index could not be written
        assert found("beacon") == []
    finally:
        blocker.cancel()
        ix.close()
    result = app.test_cli_runner().invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert "Applied changes to 1 services." in result.output
    assert found("beacon") == ["Beacon Counseling"]


@pytest.mark.fresh_database  # the follower thread reads what the request committed
def test_a_request_never_waits_long_for_the_lock_and_the_follower_applies_its_change(
    app, db, indexed
):
    import threading
    import time

    from portal.search import outbox

    app.config["PORTAL_SEARCH_LOCK_TIMEOUT"] = 120  # what sync may wait, never a request
    ix = store().open()
    blocker = ix.writer()  # another process is writing the index
    try:
        started = time.monotonic()
        indexed.name = "Beacon Counseling"
        db.session.commit()
        waited = time.monotonic() - started
        assert waited < 60, "the commit waited for the lock as long as sync may"
        assert found("beacon") == []
    finally:
        blocker.cancel()
        ix.close()

    stop = threading.Event()

    def follower() -> None:
        with app.app_context():
            outbox.follow(0.05, keep_going=lambda: not stop.is_set())

    thread = threading.Thread(target=follower)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while found("beacon") != ["Beacon Counseling"] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join()
    assert found("beacon") == ["Beacon Counseling"]


def test_sync_rebuilds_a_missing_index(app, db):
    ServiceFactory(name="Meadow Recovery House")
    db.session.commit()  # no index yet: the change waits
    result = app.test_cli_runner().invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert "rebuilding" in result.output
    assert found("meadow") == ["Meadow Recovery House"]


def test_rebuild_keeps_changes_committed_while_it_ran(app, db, indexed, monkeypatch):
    from portal.search import indexer

    real_swap = indexer.IndexStore.swap_to

    def commit_during_rebuild(self, target):
        with app.app_context():
            from portal.extensions import db as other

            service = other.session.get(Service, indexed.id)
            service.name = "Midway Counseling"
            other.session.commit()
            other.session.remove()
        real_swap(self, target)

    monkeypatch.setattr(indexer.IndexStore, "swap_to", commit_during_rebuild)
    rebuild_index()
    assert found("midway") == ["Midway Counseling"]


def test_searches_keep_working_across_a_rebuild(db, indexed):
    assert found("harbor") == ["Harbor Counseling"]
    old = store().current()
    rebuild_index()
    assert store().current() != old
    assert found("harbor") == ["Harbor Counseling"]
    rebuild_index()
    assert not old.exists()  # kept for one round, then removed


WRITER = textwrap.dedent("""
    import sys
    from portal import create_app
    from portal.extensions import db
    from portal.models import Service

    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                      "PORTAL_SEARCH_INDEX_DIR": sys.argv[2]})
    with app.app_context():
        for service_id in sys.argv[3:]:
            service = db.session.get(Service, service_id)
            service.name = "Renamed " + service.description
            db.session.commit()
        db.engine.dispose()
""")


@pytest.mark.fresh_database  # other processes write to the database
def test_several_processes_writing_at_once_lose_nothing(app, db):
    services = [ServiceFactory(name=f"Program {n}", description=f"zebra{n:02d}") for n in range(24)]
    db.session.commit()
    rebuild_index()
    ids = [s.id for s in services]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                app.config["SQLALCHEMY_DATABASE_URI"],
                app.config["PORTAL_SEARCH_INDEX_DIR"],
                *ids[n::4],
            ],
            env=env,
        )
        for n in range(4)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0, 0, 0, 0]
    for n in range(24):
        assert found(f"zebra{n:02d}") == [f"Renamed zebra{n:02d}"], n


def test_an_update_is_an_index_change_and_a_merge_is_not(db, indexed):
    from portal.search.index_view import IndexChange

    ix = store().open()
    before = ix.reader()
    indexed.name = "Lighthouse Counseling"
    db.session.commit()
    after = ix.reader()
    change = IndexChange.between(before, after)
    assert change is not None
    # Re-indexed services (the outbox also repeats the last minute's) are deleted where they
    # were and come again in one new segment, after the old ones.
    assert indexed.id in change.service_ids
    assert len(change.added) == 1 and change.added[0][1] == before.doc_count_all()
    assert {after.stored_fields(d)["id"] for d in change.added_docs()} == change.service_ids
    assert {before.stored_fields(d)["id"] for d in change.removed} == change.service_ids
    ix.optimize()  # segments merged: document numbers change, nothing carries over
    merged = ix.reader()
    assert IndexChange.between(after, merged) is None
    for reader in (before, after, merged):
        reader.close()
    ix.close()


def test_each_commit_indexes_only_its_own_changes_and_late_commits_are_caught(
    db, indexed, monkeypatch
):
    from portal.search import indexer, outbox

    updated: list[list[str]] = []
    real_update = indexer.update
    monkeypatch.setattr(
        indexer,
        "update",
        lambda session, ids, **how: updated.append(list(ids)) or real_update(session, ids, **how),
    )
    others = [ServiceFactory(name=f"Program {n}", description=f"zebra{n}") for n in range(3)]
    db.session.commit()
    updated.clear()
    for number, service in enumerate(others):
        service.description = f"okapi{number}"
        db.session.commit()
    # A burst of commits does not re-index the minute's earlier changes each time.
    assert updated == [[service.id] for service in others]
    assert outbox.apply_pending(db.session) == 0

    # On PostgreSQL a transaction can take a lower id and commit after a higher one was
    # applied: a recent row below the position is still applied when it appears.
    top = db.session.scalar(select(func.max(SearchOutbox.id)))
    db.session.add(SearchOutbox(id=top + 5, service_id=others[1].id))
    db.session.commit()
    assert outbox.apply_pending(db.session) == 1
    db.session.add(SearchOutbox(id=top + 2, service_id=indexed.id))  # took its id earlier
    db.session.commit()
    updated.clear()
    assert outbox.apply_pending(db.session) == 1
    assert updated == [[indexed.id]]
    assert outbox.apply_pending(db.session) == 0


def test_a_rebuild_that_lost_documents_is_not_swapped_in(app, db, indexed, monkeypatch):
    import queue
    from multiprocessing import queues

    from portal.search.indexer import IncompleteBuild

    real_get = queues.Queue.get

    def late(self, block=True, timeout=None):
        if timeout == 1:  # Whoosh waits a second for each worker's segment, then drops it
            raise queue.Empty
        return real_get(self, block, timeout)

    before = store().current()
    monkeypatch.setattr(queues.Queue, "get", late)
    with pytest.raises(IncompleteBuild, match="holds 0 of 1 services"):
        rebuild_index()
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 1
    assert "holds 0 of 1 services; the current index stays in use" in result.output
    monkeypatch.undo()
    assert store().current() == before
    assert list((store().root / "builds").iterdir()) == [before]  # the incomplete one is gone
    assert found("harbor") == ["Harbor Counseling"]
