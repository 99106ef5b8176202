"""The catalog tables carry every HSDS 3.0 field, with HSDS names (and 3.1 service_capacity)."""

import json

import pytest

from portal.extensions import db
from tests.hsds_spec import spec_dir

ENTITIES = [
    "organization",
    "service",
    "location",
    "service_at_location",
    "address",
    "phone",
    "schedule",
    "taxonomy",
    "taxonomy_term",
    "attribute",
    "language",
    "accessibility",
    "cost_option",
    "required_document",
    "service_area",
    "contact",
    "program",
    "funding",
    "organization_identifier",
    "metadata",
]


def scalar_fields(schema_file) -> dict[str, dict]:
    properties = json.loads(schema_file.read_text())["properties"]
    return {
        name: p
        for name, p in properties.items()
        if p.get("type") not in ("array", None) and "$ref" not in p
    }


@pytest.mark.parametrize("entity", ENTITIES)
def test_table_has_every_hsds_field(app, entity):
    fields = scalar_fields(spec_dir() / "schema" / f"{entity}.json")
    table = db.metadata.tables[entity]
    missing = sorted(set(fields) - set(table.columns.keys()))
    assert missing == [], f"{entity} lacks HSDS fields {missing}"
    assert table.columns["id"].primary_key


@pytest.mark.parametrize("entity", ["service_capacity", "unit"])
def test_capacity_follows_the_hsds_3_1_shape(app, entity):
    fields = scalar_fields(spec_dir() / "3.1-dev" / "schema" / f"{entity}.json")
    missing = sorted(set(fields) - set(db.metadata.tables[entity].columns.keys()))
    assert missing == []


def test_service_status_values_are_hsds_values(app):
    from portal.models import ServiceStatus

    properties = json.loads((spec_dir() / "schema" / "service.json").read_text())["properties"]
    assert sorted(s.value for s in ServiceStatus) == sorted(properties["status"]["enum"])
