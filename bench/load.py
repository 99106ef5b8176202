"""Bounded load test on loopback against a running server (`make serve`), issue 18.

Two mixes run side by side and are reported apart:

- public: C clients, no cookies; search 50 %, service pages 30 %, home and category pages 20 %;
- clinicians: N signed-in clinicians (--clinicians), each through the real two-step sign-in
  (password form, then a TOTP code); dashboard 20 %, search 30 %, service pages 30 %, the
  refer page for one of the bench's clients 20 %.

Every client is a thread with its own keep-alive connection sending requests back to back for
D seconds; then it stops by itself and prints throughput, p50/p95/p99 and errors per mix. An
error is a status >= 500 or a failed connection, and for a clinician also any answer other
than 200 (a lost session sends them to the sign-in page). It only talks to 127.0.0.1 /
localhost. A 503 that carries Retry-After (the database away for a moment) is counted apart
as well, for the restart test of issue 18.10.

    PORTAL_ENV=production SECRET_KEY=… PORTAL_DATA_KEYS=… DATABASE_URL=postgresql+psycopg://…
    PORTAL_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/7 make serve          # one terminal
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000 --clients 50 --seconds 30 \\
        --clinicians 10                                                          # another

With --clinicians, the bench first creates (or resets) the clinician accounts
clinician-N@bench.example, their TOTP secrets and a few fictional clients through the app's own
functions, so it needs the server's environment (DATABASE_URL, SECRET_KEY, PORTAL_DATA_KEYS).
Each sign-in is two POSTs counted by the per-address sign-in limit (30 a minute by default).

The public mix searches for WORDS (15 words and phrases) and opens the first 50 services the API
lists: few enough distinct pages that a page cache holds them all. With --wide it opens 1,000
services spread over the whole catalog and searches for one or two words drawn from their
names and descriptions (thousands of distinct searches): nearer to many people looking for many
things. Each mix reports how many answers said `X-Page-Cache: hit` (portal/page_cache.py).

The catalog is whatever the server holds (`flask --app wsgi generate-catalog --services 10000`
then `flask --app wsgi search rebuild` for the issue's figures). Rate limits apply to the API
and sign-in only, not to these pages.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

WORDS = [
    "counseling",
    "crisis",
    "detox",
    "housing",
    "food",
    "youth",
    "medicaid",
    "spanish",
    "shelter",
    "psychiatrist",
    "substance use",
    "walk in",
    "peer support",
    "family",
    "veterans",
]
WIDE_PAGES = 20  # API pages of 50 services read for --wide, spread over the catalog
WIDE_STOPWORDS = {"with", "from", "that", "this", "their", "they", "have", "your", "about"}
BENCH_PASSWORD = "bench load clinician passphrase 7"
CLIENTS_PER_CLINICIAN = 3
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Clinician:
    email: str
    totp_secret: str
    client_ids: list[str]
    cookies: dict[str, str] = field(default_factory=dict)


@dataclass
class Tally:
    timings: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    retry_after: int = 0  # 503 answers that say when to come back (a database outage)
    cache_hits: int = 0  # answers from the server's page cache


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[max(0, int(len(ordered) * fraction + 0.999999) - 1)]


def _api_page(connection: http.client.HTTPConnection, number: int) -> dict:
    connection.request("GET", f"/api/services?per_page=50&page={number}")
    return json.loads(connection.getresponse().read())


def discover(host: str, port: int, wide: bool = False) -> tuple[list[str], list[str], list[str]]:
    """Service ids from the API, category paths from the home page, and the search words."""
    connection = http.client.HTTPConnection(host, port, timeout=60)
    page = _api_page(connection, 1)
    items = page.get("contents", [])
    if wide:
        pages = max(1, int(page.get("total_pages") or 1))
        for number in sorted({1 + n * pages // WIDE_PAGES for n in range(WIDE_PAGES)} - {1}):
            items += _api_page(connection, number).get("contents", [])
    services = [item["id"] for item in items]
    connection.request("GET", "/")
    home = connection.getresponse().read().decode()
    connection.close()
    categories = sorted(set(re.findall(r'href="(/categories/[^"]+)"', home)))
    if not services:
        raise SystemExit("The server has no services: load a catalog first.")
    words = WORDS
    if wide:
        text = " ".join(f"{i.get('name') or ''} {i.get('description') or ''}" for i in items)
        words = sorted(
            {w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in WIDE_STOPWORDS}
        )
    return services, categories or ["/"], words


def prepare_clinicians(count: int) -> list[Clinician]:
    """Clinician accounts with two-step sign-in on, and fictional clients to refer.

    Made with the app's own functions (invitation, password, MFA set-up, client record), in
    the database the environment names; a second run resets the same accounts."""
    import pyotp
    from sqlalchemy import select

    from portal import create_app
    from portal.auth import accounts, mfa
    from portal.extensions import db
    from portal.models import Client, Invitation, Role, User
    from portal.referrals import clients

    app = create_app()
    prepared = []
    with app.app_context():
        for n in range(1, count + 1):
            email = f"clinician-{n}@bench.example"
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                accounts.invite(email, Role.clinician)
                invitation = db.session.scalars(
                    select(Invitation)
                    .join(User, Invitation.user_id == User.id)
                    .where(User.email == email)
                ).one()
                user = accounts.accept_invitation(invitation, BENCH_PASSWORD)
            else:
                accounts.reset_password(user, BENCH_PASSWORD)
                mfa.disable(user)
                user.totp_secret = None
            secret = mfa.begin_setup(user)
            # The code of the previous 30-second step: the sign-in then uses the current one,
            # which a code already used would not allow.
            if mfa.enable(user, pyotp.TOTP(secret).at(time.time() - 30)) is None:
                raise SystemExit(f"Could not turn on two-step sign-in for {email}.")
            mine = list(
                db.session.scalars(
                    select(Client.id).where(Client.created_by_id == user.id).order_by(Client.id)
                )
            )
            for k in range(len(mine), CLIENTS_PER_CLINICIAN):
                made = clients.create(
                    {"name": f"Bench Client {n}-{k + 1}", "approximate_age": 30 + k}, by=user
                )
                mine.append(made.id)
            prepared.append(Clinician(email, secret, mine[:CLIENTS_PER_CLINICIAN]))
        db.session.commit()
    return prepared


class Browser:
    """One keep-alive connection with a cookie jar: enough for the sign-in forms."""

    def __init__(self, host: str, port: int, cookies: dict[str, str] | None = None):
        self.host, self.port = host, port
        self.cookies = cookies if cookies is not None else {}
        self.retry_after = False  # whether the last answer carried Retry-After
        self.cache_hit = False  # whether the last answer came from the page cache
        self.connection = http.client.HTTPConnection(host, port, timeout=60)

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        self.retry_after = response.getheader("Retry-After") is not None
        self.cache_hit = response.getheader("X-Page-Cache") == "hit"
        return response.status, response.getheader("Location") or "", text

    def reconnect(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def close(self) -> None:
        self.connection.close()


def _csrf(page: bytes) -> str:
    found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    if not found:
        raise SystemExit("No CSRF token on the sign-in page.")
    return found.group(1).decode()


def sign_in(host: str, port: int, clinician: Clinician) -> None:
    """The real two-step sign-in: the password form, then the TOTP form."""
    import pyotp

    browser = Browser(host, port, clinician.cookies)
    _, _, page = browser.request("GET", "/login")
    status, location, _ = browser.request(
        "POST",
        "/login",
        {"csrf_token": _csrf(page), "email": clinician.email, "password": BENCH_PASSWORD},
    )
    if status != 302 or "/login/verify" not in location:
        raise SystemExit(f"Sign-in of {clinician.email} answered {status} {location!r}.")
    _, _, page = browser.request("GET", "/login/verify")
    code = pyotp.TOTP(clinician.totp_secret).now()
    status, location, _ = browser.request(
        "POST", "/login/verify", {"csrf_token": _csrf(page), "code": code}
    )
    if status != 302 or "/login" in urlsplit(location).path:
        raise SystemExit(f"Second step of {clinician.email} answered {status} {location!r}.")
    browser.close()


def search_words(rng: random.Random, words: list[str]) -> str:
    """One of the bench's phrases, or with a wide vocabulary one or two of its words."""
    if words is WORDS:
        return rng.choice(words)
    return " ".join(rng.sample(words, rng.choice((1, 2))))


def public_path(
    rng: random.Random, services: list[str], categories: list[str], words: list[str] = WORDS
) -> str:
    roll = rng.random()
    if roll < 0.5:
        return "/search?q=" + search_words(rng, words).replace(" ", "+")
    if roll < 0.8:
        return "/services/" + rng.choice(services)
    return "/" if roll < 0.9 else rng.choice(categories)


def clinician_path(
    rng: random.Random, services: list[str], client_ids: list[str], words: list[str] = WORDS
) -> str:
    roll = rng.random()
    if roll < 0.2:
        return "/dashboard"
    if roll < 0.5:
        return "/search?q=" + search_words(rng, words).replace(" ", "+")
    if roll < 0.8:
        return "/services/" + rng.choice(services)
    query = {"service_id": rng.choice(services), "client_id": rng.choice(client_ids)}
    return "/referrals/new?" + urlencode(query)


def _public_picker(seed: int, services: list[str], categories: list[str], words: list[str]):
    rng = random.Random(seed)
    return lambda: public_path(rng, services, categories, words)


def _clinician_picker(seed: int, services: list[str], clinician: Clinician, words: list[str]):
    rng = random.Random(10_000 + seed)
    return lambda: clinician_path(rng, services, clinician.client_ids, words)


def client_loop(browser: Browser, deadline: float, pick, strict: bool, tally: Tally, lock):
    mine: list[float] = []
    statuses: dict[int, int] = {}
    failed = retry_after = hits = 0
    while time.perf_counter() < deadline:
        path = pick()
        started = time.perf_counter()
        try:
            status, _, _ = browser.request("GET", path)
        except (OSError, http.client.HTTPException):
            failed += 1
            browser.reconnect()
            continue
        mine.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 500 or (strict and status != 200):
            failed += 1
        if status == 503 and browser.retry_after:
            retry_after += 1
        hits += browser.cache_hit
    browser.close()
    with lock:
        tally.timings.extend(mine)
        tally.errors += failed
        tally.retry_after += retry_after
        tally.cache_hits += hits
        for status, count in statuses.items():
            tally.statuses[status] = tally.statuses.get(status, 0) + count


def summary(tally: Tally, clients: int, elapsed: float) -> dict:
    ordered = sorted(tally.timings)
    nan = float("nan")
    return {
        "clients": clients,
        "requests": len(ordered),
        "throughput": len(ordered) / elapsed,
        "p50": percentile(ordered, 0.50) if ordered else nan,
        "p95": percentile(ordered, 0.95) if ordered else nan,
        "p99": percentile(ordered, 0.99) if ordered else nan,
        "errors": tally.errors,
        "statuses": dict(sorted(tally.statuses.items())),
        "retry_after": tally.retry_after,
        "cache_hits": tally.cache_hits,
    }


def run(url: str, clients: int, seconds: float, clinicians: int = 0, wide: bool = False) -> dict:
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK:
        raise SystemExit("bench/load.py only loads a server on this machine (loopback).")
    host, port = parts.hostname, parts.port or 80
    services, categories, words = discover(host, port, wide)
    staff = prepare_clinicians(clinicians) if clinicians else []
    for clinician in staff:
        sign_in(host, port, clinician)
    public, clinical = Tally(), Tally()
    lock = threading.Lock()
    # (connection, next path, strict, tally) per simulated person
    people = [
        (Browser(host, port), _public_picker(n, services, categories, words), False, public)
        for n in range(clients)
    ] + [
        (Browser(host, port, c.cookies), _clinician_picker(n, services, c, words), True, clinical)
        for n, c in enumerate(staff)
    ]
    started = time.perf_counter()
    deadline = started + seconds
    threads = [
        threading.Thread(target=client_loop, args=(browser, deadline, pick, strict, tally, lock))
        for browser, pick, strict, tally in people
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    figures = {"public": summary(public, clients, elapsed)}
    if staff:
        figures["clinicians"] = summary(clinical, len(staff), elapsed)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=50, help="public clients")
    parser.add_argument("--clinicians", type=int, default=0, help="signed-in clinicians")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--wide", action="store_true", help="1,000 services and words from their listings"
    )
    args = parser.parse_args()
    figures = run(args.url, args.clients, args.seconds, args.clinicians, args.wide)
    for mix, f in figures.items():
        print(
            f"{args.url}  {mix}: {f['clients']} clients, {args.seconds:g} s: "
            f"{f['requests']} requests, {f['throughput']:.1f} req/s, "
            f"p50 {f['p50']:.0f} ms, p95 {f['p95']:.0f} ms, p99 {f['p99']:.0f} ms, "
            f"errors {f['errors']}, statuses {f['statuses']}, "
            f"503 with Retry-After {f['retry_after']}, "
            f"page cache hits {f['cache_hits']} ({f['cache_hits'] / max(1, f['requests']):.0%})"
        )


if __name__ == "__main__":
    main()
