"""Public exports never hand a spreadsheet a formula (issue 18.8): text cells starting with
= + - @ get an apostrophe, as the audit CSV's do; numbers stay numbers."""

from __future__ import annotations

import csv

from portal import spreadsheets
from portal.hsds.export import export_csv
from tests.factories import LocationFactory, OrganizationFactory, ServiceFactory

PAYLOAD = '=HYPERLINK("http://evil.example","Call us")'


def rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_hsds_csv_package_neutralises_formulas(app, db, tmp_path):
    org = OrganizationFactory(name="@Riverbend Services")
    ServiceFactory(organization=org, name=PAYLOAD, description="-walk in any day")
    LocationFactory(organization=org, name="+Main office", latitude=38.8, longitude=-77.03)
    db.session.commit()
    export_csv(tmp_path)
    service = rows(tmp_path / "services.csv")[0]
    assert service["name"] == "'" + PAYLOAD
    assert service["description"] == "'-walk in any day"
    assert rows(tmp_path / "organizations.csv")[0]["name"] == "'@Riverbend Services"
    location = rows(tmp_path / "locations.csv")[0]
    assert location["name"] == "'+Main office"
    assert float(location["longitude"]) == -77.03  # a number, written as it is


def test_the_portal_reads_its_own_neutralised_cells_back():
    for text in (PAYLOAD, "-walk in", "'quoted'", "''", "plain", "@home", "'=already"):
        assert spreadsheets.restore(spreadsheets.neutralise(text)) == text


def test_the_report_csv_neutralises_formulas_by_the_shared_rule_and_keeps_numbers():
    from portal.reports.tables import Table

    table = Table(
        key="gaps",
        title="Gaps",
        definition="",
        headers=["category", "difference"],
        rows=[["=HYPERLINK(1)", -3], ["\tTabbed", 2.5], ["@home", None]],
    )
    cells = list(csv.reader(table.csv().splitlines()))[1:]
    assert cells == [["'=HYPERLINK(1)", "-3"], ["'\tTabbed", "2.5"], ["'@home", ""]]
