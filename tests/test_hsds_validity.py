"""Everything served is HSDS-valid: after importing the official examples and the messy 1.x
package, every record the API serves and everything the JSON export writes validates against
the official HSDS 3.0 schemas (over the whole catalog, not a sample)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from portal.hsds.export import export_json
from portal.hsds.importer import import_source
from portal.hsds.sources import read_path
from portal.models import Organization, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from portal.models.catalog import PUBLIC_STATUSES
from tests.hsds_spec import spec_dir
from tests.hsds_validation import errors, page_errors

MESSY = Path(__file__).parent / "data" / "hsds_messy_1x"


def import_everything() -> None:
    for path in (spec_dir() / "examples", spec_dir() / "examples" / "csv", MESSY):
        report = import_source(read_path(path))
        assert report.fatal is None, path


def test_every_api_record_of_the_whole_catalog_validates(app, db):
    import_everything()
    client = app.test_client()
    checks: dict[str, str] = {}
    for service_id in db.session.scalars(
        select(Service.id).where(Service.status.in_(PUBLIC_STATUSES))
    ):
        checks[f"/api/services/{service_id}"] = "compiled/service.json"
    for organization_id in db.session.scalars(select(Organization.id)):
        checks[f"/api/organizations/{organization_id}?full_service=true"] = (
            "compiled/organization.json"
        )
    for placement_id in db.session.scalars(
        select(ServiceAtLocation.id).join(Service).where(Service.status.in_(PUBLIC_STATUSES))
    ):
        checks[f"/api/service_at_locations/{placement_id}"] = "compiled/service_at_location.json"
    for taxonomy_id in db.session.scalars(select(Taxonomy.id)):
        checks[f"/api/taxonomies/{taxonomy_id}"] = "taxonomy.json"
    for term_id in db.session.scalars(select(TaxonomyTerm.id)):
        checks[f"/api/taxonomy_terms/{term_id}"] = "taxonomy_term.json"
    assert len([u for u in checks if u.startswith("/api/services/")]) >= 5
    found = {}
    for url, schema in checks.items():
        response = client.get(url)
        assert response.status_code == 200, url
        problems = errors(schema, response.get_json())
        if problems:
            found[url] = problems
    assert found == {}
    for url, schema in (
        ("/api/services?per_page=50", "compiled/service.json"),
        ("/api/service_at_locations?per_page=50", "compiled/service_at_location.json"),
        ("/api/organizations?per_page=50", "compiled/organization.json"),
    ):
        assert page_errors(schema, client.get(url).get_json()) == [], url


def test_the_whole_json_export_validates(app, db, tmp_path):
    import_everything()
    export_json(tmp_path)
    found = []
    for file, schema in (
        ("services.json", "compiled/service.json"),
        ("organizations.json", "compiled/organization.json"),
        ("taxonomy_terms.json", "taxonomy_term.json"),
    ):
        for record in json.loads((tmp_path / file).read_text()):
            found += [f"{file} {record.get('id')}: {e}" for e in errors(schema, record)]
    assert found == []
