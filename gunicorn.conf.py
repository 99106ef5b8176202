"""gunicorn settings for `make serve` (production): `gunicorn -c gunicorn.conf.py wsgi:app`.

gthread workers: idle keep-alive connections wait in the worker's poller instead of holding it.
One thread per worker by default: page rendering and search are CPU work under the GIL, and
more threads per worker lowered throughput here (bench/load.py); raise PORTAL_WORKERS with the
cores instead. The server listens on loopback: a TLS proxy (README, "Production") is the only
way in.
"""

from __future__ import annotations

import os

from portal import config as settings

bind = [os.environ.get("PORTAL_BIND", "127.0.0.1:8000")]
worker_class = "gthread"
workers = int(os.environ.get("PORTAL_WORKERS", "2"))
threads = int(os.environ.get("PORTAL_THREADS", "1"))
timeout = 30
graceful_timeout = 30
keepalive = 5
# No referrer in the access line; portal/logs.py scrubs query strings and link tokens from it.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


def on_starting(server) -> None:
    """Refuse unsafe settings before any worker starts (portal.config.check_serving)."""
    config = settings.from_environment(os.path.join(os.path.dirname(__file__), "instance"))
    settings.check_serving(config, workers=server.cfg.workers, bind=list(server.cfg.bind))
