"""`make serve` refuses settings that break its promises (issue 18.7), and absolute URLs never
come from the request's Host."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

from portal.config import ConfigError, check_serving

ROOT = Path(__file__).resolve().parent.parent


def production(**changes) -> dict:
    config = {
        "PORTAL_ENV": "production",
        "SECRET_KEY": "x" * 32,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/7",
        "PORTAL_TRUSTED_PROXIES": 0,
    }
    config.update(changes)
    return config


def test_several_workers_on_memory_rate_limits_are_refused():
    with pytest.raises(ConfigError, match="PORTAL_RATELIMIT_STORAGE_URI"):
        check_serving(
            production(RATELIMIT_STORAGE_URI="memory://"), workers=2, bind=["127.0.0.1:8000"]
        )
    check_serving(production(RATELIMIT_STORAGE_URI="memory://"), workers=1, bind=["127.0.0.1:1"])
    check_serving(production(), workers=4, bind=["127.0.0.1:8000"])
    check_serving(
        production(PORTAL_ENV="development", RATELIMIT_STORAGE_URI="memory://"),
        workers=4,
        bind=["0.0.0.0:8000"],
    )


def test_trusting_forwarded_for_while_reachable_directly_is_refused(monkeypatch):
    monkeypatch.delenv("PORTAL_BIND_BEHIND_FIREWALL", raising=False)
    trusting = production(PORTAL_TRUSTED_PROXIES=1)
    with pytest.raises(ConfigError, match="X-Forwarded-For"):
        check_serving(trusting, workers=2, bind=["0.0.0.0:8000"])
    check_serving(trusting, workers=2, bind=["127.0.0.1:8000"])
    monkeypatch.setenv("PORTAL_BIND_BEHIND_FIREWALL", "true")
    check_serving(trusting, workers=2, bind=["10.0.0.5:8000"])


def test_gunicorn_settings_check_before_any_worker_starts(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "y" * 32)
    monkeypatch.delenv("PORTAL_RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("PORTAL_BIND", raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["worker_class"] == "gthread" and settings["bind"] == ["127.0.0.1:8000"]
    server = SimpleNamespace(cfg=SimpleNamespace(workers=2, bind=settings["bind"]))
    with pytest.raises(ConfigError, match="rate limits"):
        settings["on_starting"](server)


def test_api_links_come_from_the_base_url_not_the_host_header(client):
    for headers in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}):
        index = client.get("/api/", headers=headers).get_json()
        assert index["openapi_url"] == "http://127.0.0.1:5000/api/openapi.json"
        document = client.get("/api/openapi.json", headers=headers).get_data(as_text=True)
        assert "evil.example" not in document


def test_the_download_is_not_rebuilt_inside_a_request(app, client, tmp_path):
    import os

    target = tmp_path / "site.zip"
    app.config["PORTAL_HSDS_DOWNLOAD_PATH"] = str(target)
    target.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip, built "long ago"
    os.utime(target, (0, 0))
    response = client.get("/api/datapackage.zip")
    response.close()
    assert response.status_code == 200
    assert target.stat().st_mtime == 0  # served as it is; `flask hsds export --zip` refreshes
