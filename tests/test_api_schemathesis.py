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
    status_code_conformance,
)

from portal.api.openapi import definition
from portal.catalog.seed import load_sample_catalog
from portal.search import rebuild_index
from tests.database import built_once
from tests.hsds_spec import spec_dir
from tests.hsds_validation import PUBLISHED_AT

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _local_refs(node, schema_dir):
    """A copy with every absolute $ref to the published schemas pointing at the local files."""
    if isinstance(node, dict):
        return {
            key: (
                schema_dir.joinpath(value[len(PUBLISHED_AT) :]).as_uri()
                if key == "$ref" and isinstance(value, str) and value.startswith(PUBLISHED_AT)
                else _local_refs(value, schema_dir)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_local_refs(item, schema_dir) for item in node]
    return node


def _spec_folder():
    try:
        return spec_dir()
    except pytest.skip.Exception as skipped:  # outside CI only; in CI spec_dir() fails
        pytest.skip(str(skipped), allow_module_level=True)


def _official_schema():
    folder = _spec_folder()
    raw = _local_refs(json.loads((folder / "openapi.json").read_text()), folder / "schema")
    raw["servers"] = [{"url": "/api"}]
    return schemathesis.openapi.from_dict(raw)


schema = _official_schema()
# The portal's own definition also declares its 400, 404 and 429 answers.
own_schema = schemathesis.openapi.from_dict(
    _local_refs(definition("/api"), _spec_folder() / "schema")
)


@built_once
def sample_listings(db):
    load_sample_catalog(db.session)
    db.session.commit()
    rebuild_index()


@pytest.fixture
def sample_catalog(app, sample_listings):
    """The app with the sample catalog for every operation (requests only read)."""
    app.config["PORTAL_API_RATE_LIMIT"] = "100000 per minute"
    return app


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_official_openapi_definition_finds_no_failure(case, sample_catalog):
    case.call_and_validate(checks=CHECKS, app=sample_catalog)  # in-process, through WSGI


@own_schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_own_openapi_definition_describes_every_answer(case, sample_catalog):
    case.call_and_validate(checks=[*CHECKS, status_code_conformance], app=sample_catalog)
