"""The public page cache (issue 18, portal/page_cache.py): anonymous readers of the directory's
pages get what a fresh render would give them, and nobody else is served from it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text, update

from portal import create_app, localtime
from portal.catalog import version
from portal.directory import sharing
from portal.models import Service
from portal.page_cache import HEADER, Page, PageCache
from portal.search import rebuild_index
from tests.accounts import signed_in
from tests.conftest import csrf_token
from tests.database import app_config
from tests.factories import ScheduleFactory, ServiceFactory, UserFactory

# A Wednesday, a minute before a weekday 9-to-5 service closes.
BEFORE_CLOSING = dt.datetime(2026, 11, 25, 16, 59, 30)


@pytest.fixture
def cache(app):
    app.extensions["page_cache"] = PageCache(4 * 1024 * 1024)
    return app.extensions["page_cache"]


@pytest.fixture
def listed(db):
    service = ServiceFactory(name="Harbor Light Counseling", description="Counseling for adults.")
    ScheduleFactory(service_id=service.id)
    db.session.commit()
    rebuild_index()
    return service


def page(client, path, **kwargs):
    response = client.get(path, **kwargs)
    return response, response.get_data(as_text=True)


def test_the_cache_is_off_in_tests_and_when_set_to_zero(app, listed, tmp_path):
    assert "page_cache" not in app.extensions
    assert app.test_client().get("/").headers.get(HEADER) is None
    off = create_app({**app_config("sqlite:///" + str(tmp_path / "x.db"), tmp_path)})
    assert off.config["PORTAL_PAGE_CACHE_MB"] == 0
    production = {"PORTAL_ENV": "production", "PORTAL_DATA_KEYS": app.config["PORTAL_DATA_KEYS"]}
    config = {**app_config("sqlite:///" + str(tmp_path / "y.db"), tmp_path), **production}
    assert "page_cache" in create_app(config).extensions
    assert "page_cache" not in create_app({**config, "PORTAL_PAGE_CACHE_MB": 0}).extensions


def test_public_pages_are_kept_for_anonymous_readers(app, cache, listed):
    client = app.test_client()
    for path in ("/", f"/services/{listed.id}", "/search?q=counseling"):
        assert client.get(path).headers[HEADER] == "miss", path
        assert client.get(path).headers[HEADER] == "hit", path


def test_only_the_views_that_opt_in_are_kept(app, cache, listed):
    client = app.test_client()
    for path in ("/my-list", "/api/services", "/login", "/search.json?q=counseling"):
        client.get(path)
        assert client.get(path).headers.get(HEADER) is None, path
    assert len(cache) == 0


def test_a_signed_in_reader_is_never_served_a_kept_page_nor_leaves_one(app, db, cache, listed):
    path = f"/services/{listed.id}"
    app.test_client().get(path)  # kept for anonymous readers
    clinician = UserFactory(role="clinician", email="kept-out@example.org")
    db.session.commit()
    staff = signed_in(app, clinician)
    response, text = page(staff, path)
    assert response.headers.get(HEADER) is None
    assert "kept-out@example.org" in text
    cache._pages.clear()
    staff.get(path)
    assert len(cache) == 0
    _, anonymous = page(app.test_client(), path)
    assert "kept-out@example.org" not in anonymous


def test_a_flashed_message_is_shown_not_a_kept_page(app, cache, listed):
    client = app.test_client()
    path = f"/services/{listed.id}"
    client.get(path)
    token = csrf_token(client.get(path).get_data(as_text=True))
    client.post("/my-list/add", data={"csrf_token": token, "service_id": listed.id})
    response, text = page(client, path)
    assert response.headers.get(HEADER) is None
    assert "Saved to your list on this device." in text
    assert "On your list: see it" in text


def test_only_a_200_page_that_sets_no_cookie_is_kept(app, cache, listed):
    client = app.test_client()
    missing = "/services/00000000-0000-4000-8000-000000000000"
    client.get(missing)
    assert client.get(missing).headers[HEADER] == "miss"
    # The first visit with ?lang= sets the language cookie: that answer is not kept.
    assert app.test_client().get("/?lang=es").headers[HEADER] == "miss"
    assert app.test_client().get("/?lang=es").headers[HEADER] == "miss"
    assert len(cache) == 0


def test_a_search_that_finds_nothing_is_counted_each_time(app, db, cache, listed):
    from portal.models import SearchMiss

    client = app.test_client()
    for _ in range(2):
        assert client.get("/search?q=zzyzx").headers[HEADER] == "miss"
    assert db.session.query(SearchMiss.count).scalar() == 2


def test_the_key_is_the_whole_url_and_the_language(app, cache, listed):
    client = app.test_client()
    client.get("/search?q=counseling")
    response, text = page(client, "/search?q=counseling&page=1")
    assert response.headers[HEADER] == "miss"
    # The same URL for a reader of Spanish is another page.
    client.get("/")
    response, text = page(client, "/", headers={"Accept-Language": "es"})
    assert response.headers[HEADER] == "miss"
    assert '<html lang="es">' in text
    response, text = page(client, "/")
    assert response.headers[HEADER] == "hit"
    assert '<html lang="en">' in text


def test_each_reader_gets_their_own_form_token_and_list(app, cache, listed):
    path = f"/services/{listed.id}"
    first, second = app.test_client(), app.test_client()
    first_page = first.get(path).get_data(as_text=True)
    response, second_page = page(second, path)
    assert response.headers[HEADER] == "hit"
    assert "slot:" not in second_page
    assert csrf_token(first_page) != csrf_token(second_page)
    saved = second.post(
        "/my-list/add", data={"csrf_token": csrf_token(second_page), "service_id": listed.id}
    )
    assert saved.status_code == 303
    third = app.test_client()
    third.set_cookie(sharing.COOKIE, listed.id)
    response, text = page(third, path)
    assert response.headers[HEADER] == "hit"
    assert "On your list: see it" in text
    assert "Save to my list" not in text


def test_open_now_changes_with_the_minute(app, cache, listed, monkeypatch):
    client = app.test_client()
    path = f"/services/{listed.id}"
    monkeypatch.setattr(localtime, "wall_now", lambda: BEFORE_CLOSING)
    assert "Open now" in client.get(path).get_data(as_text=True)
    response, text = page(client, path)
    assert response.headers[HEADER] == "hit"
    monkeypatch.setattr(localtime, "wall_now", lambda: BEFORE_CLOSING + dt.timedelta(seconds=30))
    response, text = page(client, path)
    assert response.headers[HEADER] == "miss"
    assert "Closed now" in text


def test_a_new_index_is_a_new_search_page(app, cache, listed):
    client = app.test_client()
    client.get("/search?q=counseling")
    rebuild_index()
    assert client.get("/search?q=counseling").headers[HEADER] == "miss"


def test_every_kind_of_catalog_write_raises_the_version(app, db, listed):
    before = version.current()
    listed.name = "Harbor Light Counseling Center"
    db.session.commit()
    assert version.current() == before + 1
    # A statement sent through the session, as the HSDS import and the seed send theirs.
    db.session.execute(update(Service).where(Service.id == listed.id).values(name="Harbor"))
    db.session.commit()
    assert version.current() == before + 2
    # A rolled-back change and a commit that changes no listing leave it alone.
    listed.name = "Not kept"
    db.session.flush()
    db.session.rollback()
    UserFactory(role="clinician")
    db.session.commit()
    assert version.current() == before + 2


def test_a_catalog_change_restores_a_missing_version_row(app, db, listed):
    # TRUNCATE (or a partial restore) empties the table; the next change must still count.
    db.session.execute(text("DELETE FROM catalog_version"))
    db.session.commit()
    assert version.current() == 0
    listed.name = "Harbor Light Counseling Center"
    db.session.commit()
    assert version.current() == 1
    listed.name = "Harbor Light"
    db.session.commit()
    assert version.current() == 2


def test_the_hsds_import_raises_the_version_and_a_dry_run_does_not(app, db):
    from portal.hsds.importer import import_source
    from portal.hsds.sources import read_path

    package = read_path(Path(__file__).parent / "data" / "hsds_messy_1x")
    before = version.current()
    import_source(package, dry_run=True)
    assert version.current() == before
    import_source(package)
    assert version.current() == before + 1


@pytest.mark.fresh_database  # two app instances, as two server processes, on one database
def test_a_listing_change_shows_on_the_next_request_in_every_process(app, db, listed, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    index = app.config["PORTAL_SEARCH_INDEX_DIR"]
    other = create_app({**app_config(url, tmp_path), "PORTAL_SEARCH_INDEX_DIR": index})
    path = f"/services/{listed.id}"
    readers = []
    try:
        for instance in (app, other):
            instance.extensions["page_cache"] = PageCache(1024 * 1024)
            with instance.app_context():
                reader = instance.test_client()
                reader.get(path)
                assert reader.get(path).headers[HEADER] == "hit"
                readers.append((instance, reader))
        listed.name = "Harbor Light Counseling (moved)"
        db.session.commit()  # through the first process
        for instance, reader in readers:
            with instance.app_context():
                response, text = page(reader, path)
                assert response.headers[HEADER] == "miss"
                assert "Harbor Light Counseling (moved)" in text
    finally:
        with other.app_context():
            db.engine.dispose()


def test_pages_are_dropped_least_recently_used_first_within_the_bytes_allowed():
    cache = PageCache(3 * (1000 + 512))
    for n in range(3):
        cache.put((n,), Page("text/html", b"x" * 1000))
    assert cache.get((0,)) is not None  # now the most recently used
    cache.put((3,), Page("text/html", b"x" * 1000))
    assert cache.get((1,)) is None
    assert [cache.get((n,)) is not None for n in (0, 2, 3)] == [True, True, True]
    assert cache.size <= cache.max_bytes
    cache.put((4,), Page("text/html", b"x" * 10_000))  # bigger than the whole cache
    assert cache.get((4,)) is None
    assert cache.size <= cache.max_bytes
