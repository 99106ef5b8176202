"""Bounded load test on loopback against a running server (`make serve`), issue 18.

The public mix: search 50 %, service pages 30 %, home and category pages 20 %. C clients
(threads, each with its own keep-alive connection) send requests back to back for D seconds,
then it stops by itself and prints throughput, p50/p95/p99 and errors (status >= 500 or a
failed connection). It only talks to 127.0.0.1 / localhost.

    PORTAL_ENV=production SECRET_KEY=… PORTAL_DATA_KEYS=… DATABASE_URL=postgresql+psycopg://…
    PORTAL_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/7 make serve          # one terminal
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000 --clients 50 --seconds 30

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
from urllib.parse import urlsplit

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


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[max(0, int(len(ordered) * fraction + 0.999999) - 1)]


def discover(host: str, port: int) -> tuple[list[str], list[str]]:
    """Service ids from the API and category paths from the home page."""
    connection = http.client.HTTPConnection(host, port, timeout=60)
    connection.request("GET", "/api/services?per_page=50")
    page = json.loads(connection.getresponse().read())
    services = [item["id"] for item in page.get("contents", [])]
    connection.request("GET", "/")
    home = connection.getresponse().read().decode()
    connection.close()
    categories = sorted(set(re.findall(r'href="(/categories/[^"]+)"', home)))
    if not services:
        raise SystemExit("The server has no services: load a catalog first.")
    return services, categories or ["/"]


def pick_path(rng: random.Random, services: list[str], categories: list[str]) -> str:
    roll = rng.random()
    if roll < 0.5:
        return "/search?q=" + rng.choice(WORDS).replace(" ", "+")
    if roll < 0.8:
        return "/services/" + rng.choice(services)
    return "/" if roll < 0.9 else rng.choice(categories)


def client_loop(host, port, deadline, services, categories, seed, timings, errors, lock):
    rng = random.Random(seed)
    connection = http.client.HTTPConnection(host, port, timeout=60)
    mine: list[float] = []
    failed = 0
    while time.perf_counter() < deadline:
        path = pick_path(rng, services, categories)
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status >= 500:
                failed += 1
        except (OSError, http.client.HTTPException):
            failed += 1
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=60)
            continue
        mine.append((time.perf_counter() - started) * 1000)
    connection.close()
    with lock:
        timings.extend(mine)
        errors.append(failed)


def run(url: str, clients: int, seconds: float) -> dict:
    parts = urlsplit(url)
    if parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("bench/load.py only loads a server on this machine (loopback).")
    host, port = parts.hostname, parts.port or 80
    services, categories = discover(host, port)
    timings: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + seconds
    threads = [
        threading.Thread(
            target=client_loop,
            args=(host, port, deadline, services, categories, n, timings, errors, lock),
        )
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(timings)
    return {
        "clients": clients,
        "requests": len(ordered),
        "throughput": len(ordered) / elapsed,
        "p50": percentile(ordered, 0.50) if ordered else float("nan"),
        "p95": percentile(ordered, 0.95) if ordered else float("nan"),
        "p99": percentile(ordered, 0.99) if ordered else float("nan"),
        "errors": sum(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    figures = run(args.url, args.clients, args.seconds)
    print(
        f"{args.url}  {figures['clients']} clients, {args.seconds:g} s: "
        f"{figures['requests']} requests, {figures['throughput']:.1f} req/s, "
        f"p50 {figures['p50']:.0f} ms, p95 {figures['p95']:.0f} ms, p99 {figures['p99']:.0f} ms, "
        f"errors {figures['errors']}"
    )


if __name__ == "__main__":
    main()
