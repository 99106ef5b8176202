"""Schemathesis runs the OFFICIAL HSDS 3.0 openapi.json against the app (through WSGI, on the
sample catalog) and finds no failure of not_a_server_error, response_schema_conformance and
content_type_conformance.

The official file refers to its schemas by absolute URL; they are pointed at the local copies
(file:// URIs). It declares no server, so "/api" is given as the base path. It documents only
200 answers, so the 400s for bad parameters and 404s for unknown ids go unchecked for shape
(tests/test_api.py checks those).
"""
from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from portal.catalog.seed import load_sample_catalog
from portal.search import rebuild_index
from tests.hsds_spec import spec_dir
from tests.hsds_validation import PUBLISHED_AT

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _local_refs(node, schema_dir):
    """A copy with every absolute $ref to the published schemas pointing at the local files."""
    if isinstance(node, dict):
        return {key: (schema_dir.joinpath(value[len(PUBLISHED_AT):]).as_uri()
                      if key == "$ref" and isinstance(value, str)
                      and value.startswith(PUBLISHED_AT) else _local_refs(value, schema_dir))
                for key, value in node.items()}
    if isinstance(node, list):
        return [_local_refs(item, schema_dir) for item in node]
    return node


def _official_schema():
    try:
        folder = spec_dir()
    except pytest.skip.Exception as skipped:  # outside CI only; in CI spec_dir() fails
        pytest.skip(str(skipped), allow_module_level=True)
    raw = _local_refs(json.loads((folder / "openapi.json").read_text()), folder / "schema")
    raw["servers"] = [{"url": "/api"}]
    return schemathesis.openapi.from_dict(raw)


schema = _official_schema()


@pytest.fixture
def sample_catalog(app, db):
    app.config["PORTAL_API_RATE_LIMIT"] = "100000 per minute"
    load_sample_catalog(db.session)
    db.session.commit()
    rebuild_index()
    return app


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_official_openapi_definition_finds_no_failure(case, sample_catalog):
    case.call_and_validate(checks=CHECKS, app=sample_catalog)  # in-process, through WSGI
