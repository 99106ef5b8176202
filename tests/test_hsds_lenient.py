"""Lenient, reported cleaning of what real directory exports contain: one test per rule, then
the synthetic messy 1.x package end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from portal.hsds import lenient
from portal.hsds.importer import import_source
from portal.hsds.sources import read_path
from portal.hsds.tables import hsds_id
from portal.models import Address, Organization, Phone, Schedule, Service

MESSY = Path(__file__).parent / "data" / "hsds_messy_1x"


def tidied(table: str, **values):
    fixes, extra = lenient.tidy(table, values)
    return values, {(f.field, f.kind, f.after) for f in fixes}, extra


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:00am", "09:00"),
        ("9am", "09:00"),
        ("9:00 A.M.", "09:00"),
        ("1:50pm", "13:50"),
        ("12pm", "12:00"),
        ("12:30 am", "00:30"),
        ("0900", "09:00"),
        ("1730", "17:30"),
        ("noon", "12:00"),
        ("Midnight", "00:00"),
        ("9:00", "09:00"),
    ],
)
def test_times_written_as_text_are_read(text, expected):
    values, fixes, _ = tidied("schedule", opens_at=text)
    assert values["opens_at"] == expected
    assert ("opens_at", "time written as text (9:00am, noon, 0900)", expected) in fixes


def test_iso_times_are_left_alone_and_unreadable_ones_are_dropped_from_the_row():
    values, fixes, _ = tidied("schedule", opens_at="09:00:00", closes_at="later", byday="MO")
    assert values == {"opens_at": "09:00:00", "byday": "MO"} and fixes == {
        ("closes_at", "unreadable time", None)
    }
    for text in ("13pm", "25:00", "99"):
        with pytest.raises(lenient.Unreadable):
            lenient.read_time(text)


def test_24_hours_in_the_opening_time():
    values, fixes, _ = tidied("schedule", opens_at="24 hours", closes_at="")
    assert (values["opens_at"], values["closes_at"]) == ("00:00", "23:59")
    assert ("opens_at", "hours written as text (24 hours)", "00:00-23:59") in fixes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon", "MO"),
        ("tues", "TU"),
        ("Thursday", "TH"),
        ("Mon-Fri", "MO,TU,WE,TH,FR"),
        ("Mon - Wed", "MO,TU,WE"),
        ("Sat, Sun", "SA,SU"),
        ("Fri to Mon", "FR,SA,SU,MO"),
    ],
)
def test_weekday_names_and_abbreviations(text, expected):
    values, fixes, _ = tidied("schedule", byday=text)
    assert values["byday"] == expected
    assert ("byday", "weekday written as a name", expected) in fixes


def test_hsds_byday_is_left_alone_and_a_non_day_is_dropped():
    assert tidied("schedule", byday="MO,WE")[1] == set()
    values, fixes, _ = tidied("schedule", byday="Someday")
    assert "byday" not in values and ("byday", "unreadable weekday", None) in fixes


@pytest.mark.parametrize(
    ("text", "byday", "opens", "closes"),
    [
        ("Mon-Fri 9-5", "MO,TU,WE,TH,FR", "09:00", "17:00"),
        ("Tue 9am-12pm", "TU", "09:00", "12:00"),
        ("Sat & Sun 10:00 AM - 2:00 PM", "SA,SU", "10:00", "14:00"),
        ("Open 24 hours", "MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59"),
    ],
)
def test_hours_written_as_text_fill_empty_structured_fields(text, byday, opens, closes):
    values, fixes, _ = tidied("schedule", description=text)
    assert (values["byday"], values["opens_at"], values["closes_at"]) == (byday, opens, closes)
    assert values["description"] == text and values["freq"] == "WEEKLY"
    assert any(kind == "hours read from text (Mon-Fri 9-5)" for _, kind, _ in fixes)
    # original_text, as some exports call it, is read the same way.
    assert tidied("schedule", original_text=text)[0]["opens_at"] == opens


def test_hours_text_is_not_read_over_structured_fields_or_when_it_is_not_hours():
    values, fixes, _ = tidied("schedule", description="Mon-Fri 9-5", opens_at="10:00")
    assert "byday" not in values and fixes == set()
    values, fixes, _ = tidied("schedule", description="By appointment only")
    assert values == {"description": "By appointment only"} and fixes == set()


def test_web_addresses_without_a_scheme_get_https():
    values, fixes, _ = tidied("organization", website="www.example.org", url="example.org/a")
    assert values == {"website": "https://www.example.org", "url": "https://example.org/a"}
    assert ("website", "web address without https://", "https://www.example.org") in fixes
    values, fixes, _ = tidied("service", url="http://exa mple")
    assert "url" not in values and ("url", "unreadable web address", None) in fixes
    assert tidied("service", url="http://example.org")[1] == set()


def test_emails_with_spaces_or_mailto():
    values, fixes, _ = tidied("organization", email=" mailto:Info@example.org ")
    assert values["email"] == "Info@example.org"
    assert ("email", "email with spaces or mailto:", "Info@example.org") in fixes
    assert tidied("service", email="help @ example.org")[0]["email"] == "help@example.org"
    values, fixes, _ = tidied("service", email="not an email")
    assert "email" not in values and ("email", "unreadable email address", None) in fixes


def test_phone_extensions_are_split_off():
    for text, number, extension in [
        ("703-555-0100 ext. 12", "703-555-0100", "12"),
        ("(703) 555-0103 x5", "(703) 555-0103", "5"),
        ("703-555-0100, extension 4411", "703-555-0100", "4411"),
    ]:
        values, fixes, _ = tidied("phone", id="1", number=text, extension="")
        assert (values["number"], values["extension"]) == (number, extension)
        assert any(kind == "extension inside the phone number" for _, kind, _ in fixes)


def test_several_phone_numbers_in_one_field_become_several_phones():
    values, fixes, extra = tidied(
        "phone", id="31", service_id="101", number="703-555-0101 or 703-555-0102 x7"
    )
    assert values["number"] == "703-555-0101"
    assert [(e["number"], e["extension"], e["service_id"]) for e in extra] == [
        ("703-555-0102", "7", "101")
    ]
    assert extra[0]["id"] != "31"
    # The same source row always makes the same extra id (a second import updates it).
    assert (
        tidied("phone", id="31", number="703-555-0101 / 703-555-0102")[2][0]["id"]
        == (extra[0]["id"])
    )
    assert any(kind == "several phone numbers in one field" for _, kind, _ in fixes)
    values, fixes, _ = tidied("phone", id="2", number="call us")
    assert "number" not in values and ("number", "unreadable phone number", None) in fixes


def test_zip_codes_and_state_names():
    values, fixes, _ = tidied("address", state_province="Virginia", postal_code="223141234")
    assert (values["state_province"], values["postal_code"]) == ("VA", "22314-1234")
    assert ("state_province", "state written as a name", "VA") in fixes
    assert tidied("address", postal_code="2139")[0]["postal_code"] == "02139"
    assert tidied("address", state_province="new york")[0]["state_province"] == "NY"
    assert tidied("address", state_province="va")[0]["state_province"] == "VA"
    assert tidied("address", postal_code="22314-1234", state_province="VA")[1] == set()
    # Outside the US the postal code and province are someone else's format.
    canada = tidied("address", country="CA", postal_code="K1A 0B1", state_province="Ontario")
    assert canada[1] == set()


def test_the_messy_package_imports_with_a_summary_that_names_each_quirk(app, db):
    report = import_source(read_path(MESSY))
    assert report.fatal is None
    kinds = {p.kind for p in report.problems}
    assert {
        "time written as text (9:00am, noon, 0900)",
        "hours written as text (24 hours)",
        "weekday written as a name",
        "hours read from text (Mon-Fri 9-5)",
        "unreadable time",
        "web address without https://",
        "unreadable web address",
        "email with spaces or mailto:",
        "unreadable email address",
        "extension inside the phone number",
        "several phone numbers in one field",
        "ZIP code written without its dash or zero",
        "state written as a name",
        "file note",
    } <= kinds
    riverbend = db.session.get(Organization, hsds_id("1"))
    assert riverbend.website == "https://www.riverbend.example.org"
    assert riverbend.email == "Info@riverbend.example.org"
    # An unreadable value leaves the field empty and keeps the row.
    elm = db.session.get(Organization, hsds_id("3"))
    assert elm.name == "Elm Street Clinic" and elm.email is None and elm.website is None
    counseling = db.session.get(Service, hsds_id("100"))
    assert counseling.eligibility_description == "Families with children\nunder 18"
    assert sorted((s.byday, str(s.opens_at), str(s.closes_at)) for s in counseling.schedules) == [
        ("MO", "09:00:00", "17:00:00"),
        ("TH", "09:00:00", "17:00:00"),
        ("TU", "09:00:00", "17:00:00"),
        ("WE", "09:00:00", "17:00:00"),
    ]
    parenting = db.session.get(Service, hsds_id("103"))
    assert [(s.byday, str(s.opens_at)) for s in parenting.schedules] == [
        ("MO,TU,WE,TH,FR", "09:00:00")
    ]
    clinic = db.session.get(Schedule, hsds_id("47"))
    assert clinic.byday == "SA" and clinic.opens_at is None
    hotline = db.session.scalars(select(Phone).where(Phone.service_id == hsds_id("101"))).all()
    assert sorted(p.number for p in hotline) == ["703-555-0101", "703-555-0102"]
    assert db.session.get(Phone, hsds_id("30")).extension == 12
    addresses = {a.address_1: a for a in db.session.scalars(select(Address))}
    assert (
        addresses["12 Example Road"].state_province,
        addresses["12 Example Road"].postal_code,
    ) == (
        "VA",
        "22314-1234",
    )
    assert addresses["5 Elm Street"].postal_code == "02139"
    # A second import finds the same rows, the split phone included.
    again = import_source(read_path(MESSY))
    assert again.counts["phone"].created == 0


# --- the report ---------------------------------------------------------------------------


def test_cli_prints_problems_by_kind_and_writes_every_one_to_the_report_csv(app, db, tmp_path):
    import csv

    details = tmp_path / "problems.csv"
    result = app.test_cli_runner().invoke(
        args=["hsds", "import", str(MESSY), "--report", str(details)]
    )
    assert result.exit_code == 0, result.output
    output = result.output
    assert "Problems by kind (count, then up to three examples):" in output
    assert "     7  weekday written as a name (changed and kept)" in output
    weekday_examples = [
        line for line in output.splitlines() if "weekday written as a name:" in line
    ]
    assert len(weekday_examples) == 3  # three examples of seven
    assert "unreadable email address (left out)" in output
    # The summary replaces the row-by-row list, which is in the CSV.
    assert "problem:" not in output and f"Every problem, row by row: {details}" in output
    with details.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert f"rows written, {len(rows)} problems" in output
    assert {
        "file": "data/regular_schedules.csv",
        "row": "9",
        "field": "schedule.opens_at",
        "kind": "unreadable time",
        "changed_and_kept": "no",
        "reason": "unreadable time: 'sometime'; imported without it",
    } in rows


def test_the_report_keeps_counts_and_first_problems_and_streams_the_rest(
    app, db, tmp_path, monkeypatch
):
    import csv
    import io

    from portal.hsds import importer

    monkeypatch.setattr(importer, "FIRST_PROBLEMS", 2)
    details = io.StringIO()
    report = import_source(read_path(MESSY), details=details)
    rows = list(csv.DictReader(io.StringIO(details.getvalue())))
    assert len(report.problems) == 2 and report.problem_count == len(rows) > 2
    assert sum(kind.count for kind in report.kinds()) == len(rows)
    assert [(p.file, str(p.row or "")) for p in report.problems] == [
        (r["file"], r["row"]) for r in rows[:2]
    ]
    assert report.details is None  # the report may be pickled (a job's result)


def test_report_csv_cells_cannot_run_as_spreadsheet_formulas(app, db, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "services.csv").write_text("id,name,status,url\n1,=HYPERLINK(1),active,=cmd x\n")
    details = tmp_path / "problems.csv"
    app.test_cli_runner().invoke(
        args=["hsds", "import", str(folder), "--report", str(details), "--dry-run"]
    )
    assert ",=" not in details.read_text()


def test_cli_exits_non_zero_only_when_nothing_usable_was_found(app, db, tmp_path):
    folder = tmp_path / "nothing"
    folder.mkdir()
    (folder / "services.csv").write_text("id,name,status\n1,,active\n2,,active\n")
    result = app.test_cli_runner().invoke(args=["hsds", "import", str(folder)])
    assert result.exit_code != 0
    assert "Nothing usable was found" in result.output
    assert "missing required field (left out)" in result.output


def test_names_in_capitals_are_shown_in_title_case_and_kept_as_given(app, db, tmp_path):
    from portal.catalog.cleaning import display_name
    from portal.hsds.export import export_csv

    assert display_name("RIVERBEND FAMILY SERVICES") == "Riverbend Family Services"
    assert display_name("O'BRIEN HOUSE #2") == "O'Brien House #2"
    assert display_name("MARY'S PLACE") == "Mary's Place"
    assert display_name("NAMI Northern Virginia") == "NAMI Northern Virginia"  # not all caps
    assert display_name("988") == "988"
    values, fixes, _ = tidied("service", name="FAMILY COUNSELING")
    assert values["name"] == "FAMILY COUNSELING"  # stored as the source gives it
    assert ("name", "name in capitals (shown in title case)", "Family Counseling") in fixes
    import_source(read_path(MESSY))
    client = app.test_client()
    page = client.get(f"/services/{hsds_id('100')}").get_data(as_text=True)
    assert '<h1 id="service-name" lang="en">Family Counseling</h1>' in page
    assert "Riverbend Family Services" in page and "RIVERBEND" not in page
    export_csv(tmp_path)
    assert "FAMILY COUNSELING" in (tmp_path / "services.csv").read_text()
