"""Browser tests: the real app behind a live server, driven by the system Chromium.

- One live server per test session: a fresh SQLite database and search index in a temporary
  folder, loaded with the sample catalog, served by werkzeug in a daemon thread.
- One Chromium per session; a fresh browser context per test, at a phone and a desktop size.
  Every request to another host is aborted, so the tests never touch the network.
- `assert_no_axe_violations(page)` runs axe-core (shipped inside axe-playwright-python) and
  fails on serious or critical violations, naming the rule and the offending elements.

Chromium comes from PORTAL_CHROMIUM or /usr/bin/chromium (Debian's `apt-get install chromium`);
never from `playwright install`. Without it the tests skip locally and fail in CI (CI=true).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db

E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("PORTAL_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {
    "phone": dict(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    ),
    "desktop": dict(viewport={"width": 1280, "height": 900}),
}
BLOCKING_IMPACTS = ("serious", "critical")
BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# --- the live server -------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalog:
    """Records the tests visit, found in whatever the sample catalog holds."""

    crisis_service_id: str  # a crisis service open 24 hours, 7 days
    multi_location_service_id: str  # a service offered at two or more addresses
    organization_id: str
    location_id: str


@dataclass(frozen=True)
class LiveServer:
    url: str
    catalog: Catalog
    app: object = None  # the served Flask app, for tests that add records (accounts …)

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def _load_catalog() -> None:
    from portal.catalog.seed import load_sample_catalog

    load_sample_catalog(db.session)
    db.session.commit()


def _find_catalog() -> Catalog:
    from sqlalchemy import select

    from portal.catalog import hours, vocabulary
    from portal.directory.presenters import local_now
    from portal.models import Service

    services = db.session.scalars(
        select(Service).where(Service.status == "active").order_by(Service.name)
    ).all()

    def schedules(service):
        if service.schedules:
            return list(service.schedules)
        return [
            s
            for sal in service.service_at_locations
            for s in (sal.schedules or sal.location.schedules)
        ]

    def always_open(service) -> bool:
        week = hours.week(schedules(service), local_now().date())
        return all(any(i.all_day for i in day.intervals) for day in week)

    def is_crisis(service) -> bool:
        for attribute in service.attributes:
            if attribute.link_type != vocabulary.CATEGORY_LINK:
                continue
            term = attribute.taxonomy_term
            names = [term.name, term.code or ""]
            if term.parent is not None:
                names += [term.parent.name, term.parent.code or ""]
            if any("crisis" in n.lower() for n in names):
                return True
        return False

    def addressed_locations(service):
        return [
            sal.location
            for sal in service.service_at_locations
            if sal.location.physical_address is not None
        ]

    crisis = [s for s in services if is_crisis(s) and always_open(s)]
    multi = [s for s in services if len(addressed_locations(s)) >= 2]
    assert crisis, "the sample catalog has no active crisis service open 24 hours, 7 days"
    assert multi, "the sample catalog has no active service at two or more addresses"
    service = multi[0]
    return Catalog(
        crisis_service_id=crisis[0].id,
        multi_location_service_id=service.id,
        organization_id=service.organization_id,
        location_id=addressed_locations(service)[0].id,
    )


def _closing_body(app):
    """Read the whole response body and close it before werkzeug's server sends it.

    werkzeug's development server skips `close()` on the body when the browser resets the
    connection early (its clean-up read raises first), which leaks static files' handles
    and, with filterwarnings=error, fails whatever test is running when they are collected.
    The pages are small, so buffering them costs nothing.
    """

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from portal.search import rebuild_index

    tmp = tmp_path_factory.mktemp("e2e")
    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "SECRET_KEY": "e2e-secret-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/e2e.db",
            "PORTAL_SEARCH_INDEX_DIR": f"{tmp}/index",
            # Map tiles: a blank image from the page itself, so maps never reach the network.
            "PORTAL_MAP_TILE_URL": BLANK_TILE,
        }
    )
    with app.app_context():
        db.create_all()
        _load_catalog()
        catalog = _find_catalog()
        db.session.remove()
        rebuild_index()
        db.session.remove()

    server = make_server("127.0.0.1", 0, _closing_body(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", catalog=catalog, app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        message = (
            f"Chromium not found at {CHROMIUM}; apt-get install chromium "
            "(or set PORTAL_CHROMIUM to a Chromium executable)"
        )
        if _in_ci():
            pytest.fail(message + " — the browser tests must run in CI", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _block_other_hosts(context, live_server, blocked: list[str]) -> None:
    own = urlsplit(live_server.url).netloc

    def handle(route):
        url = route.request.url
        if urlsplit(url).netloc == own:
            route.continue_()
        else:
            blocked.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", handle)


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


@pytest.fixture
def blocked_requests() -> list[str]:
    """URLs of other hosts the pages tried to load (and were refused)."""
    return []


@pytest.fixture
def open_page(browser, live_server, blocked_requests):
    """Open a page in a fresh context at a named viewport (closed after the test)."""
    contexts = []

    def open_(viewport_name: str, **options):
        context = browser.new_context(
            base_url=live_server.url, **VIEWPORTS[viewport_name], **options
        )
        contexts.append(context)
        _block_other_hosts(context, live_server, blocked_requests)
        page = context.new_page()
        # Generous: a loaded two-core machine can take seconds to serve a page; a test that
        # waits for something that never comes still fails.
        page.set_default_timeout(30_000)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page, viewport):
    """A page at the phone or the desktop size (tests using it run at both)."""
    return open_page(viewport)


@pytest.fixture
def phone_page(open_page):
    return open_page("phone")


@pytest.fixture
def no_js_page(open_page):
    """A phone-sized page with JavaScript switched off."""
    return open_page("phone", java_script_enabled=False)


# --- axe-core --------------------------------------------------------------------------------


def _axe_source() -> str:
    from importlib.resources import files

    return files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def axe_source() -> str:
    return _axe_source()


def axe_violations(page, source: str) -> list[dict]:
    """Serious and critical axe-core violations on the page as it is now.

    axe is evaluated through the DevTools protocol (page.evaluate), not added as a <script>
    element, so it runs under a Content-Security-Policy that forbids inline scripts.
    """
    from playwright.sync_api import Error as PlaywrightError

    # A click that navigates can return before the new document exists; axe run then
    # would check the page being left (or none). Wait for the load, and run once more
    # if the page still changed under axe.
    for attempt in range(2):
        page.wait_for_load_state("load")
        try:
            if not page.evaluate("() => typeof window.axe === 'object'"):
                page.evaluate(source)
            results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        except PlaywrightError:
            if attempt:
                raise
            continue
        return [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    raise AssertionError("unreachable")


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v.get('helpUrl', '')})")
        for node in v["nodes"][:10]:
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(
                f"    at {target}: {node.get('failureSummary', '').strip()}".replace("\n", " | ")
            )
            lines.append(f"       {node.get('html', '')[:200]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


@pytest.fixture
def serious_axe_violations(axe_source):
    """page -> the serious and critical axe-core violations on it."""
    return lambda page: axe_violations(page, axe_source)


@pytest.fixture
def assert_accessible(serious_axe_violations):
    """page -> None; fails naming each serious or critical axe-core violation."""

    def check(page) -> None:
        violations = serious_axe_violations(page)
        assert not violations, (
            f"axe-core found serious/critical problems on {page.url}:\n"
            + format_violations(violations)
        )

    return check
