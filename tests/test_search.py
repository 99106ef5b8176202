"""Search: the index, plain words, filters, facets, distance and the /search pages."""

import datetime as dt
import re

import pytest

from portal.catalog import vocabulary
from portal.models import Attribute, Language, Schedule, TaxonomyTerm
from portal.search import SearchParams, geo, rebuild_index, search_services
from tests.database import built_once
from tests.factories import (
    AddressFactory,
    AttributeFactory,
    LocationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
)

# 2026-11-23 is a Monday.
MONDAY_NOON = dt.datetime(2026, 11, 23, 12, 0)


def names(page) -> list[str]:
    from portal.extensions import db
    from portal.models import Service

    return [db.session.get(Service, i).name for i in page.service_ids]


def detail(db, service, code):
    term = db.session.query(TaxonomyTerm).filter_by(code=code).one_or_none()
    if term is None:
        term = TaxonomyTermFactory(code=code, name=code, taxonomy_detail=None)
    db.session.add(
        Attribute(
            link_id=service.id,
            link_entity="service",
            link_type=vocabulary.DETAIL_LINK,
            taxonomy_term=term,
        )
    )


def hours_of(service, byday, opens, closes):
    return Schedule(
        service_id=service.id,
        freq="WEEKLY",
        byday=byday,
        opens_at=dt.time.fromisoformat(opens),
        closes_at=dt.time.fromisoformat(closes),
    )


def located(service, lat, lng):
    location = LocationFactory(latitude=lat, longitude=lng, organization=service.organization)
    AddressFactory(location=location)
    ServiceAtLocationFactory(service=service, location=location)


@built_once
def catalog(db):
    taxonomy = TaxonomyFactory()
    substance = TaxonomyTermFactory(name="Substance use", taxonomy_detail=taxonomy)
    detox = TaxonomyTermFactory(
        name="Withdrawal management", taxonomy_detail=taxonomy, parent=substance
    )
    s = {}
    s["detox"] = ServiceFactory(
        name="Medical Stabilization Unit",
        minimum_age=18,
        accepting_new_clients=True,
        description="Supervised care while the body clears alcohol or drugs.",
    )
    AttributeFactory(link_id=s["detox"].id, taxonomy_term=detox)
    db.session.add(Language(service_id=s["detox"].id, code="es", name="Spanish"))
    detail(db, s["detox"], "payment-medicaid")
    db.session.add(hours_of(s["detox"], "MO,TU,WE,TH,FR,SA,SU", "00:00", "00:00"))
    located(s["detox"], 38.8048, -77.0469)  # Old Town Alexandria

    s["family"] = ServiceFactory(
        name="Family Counseling Center",
        minimum_age=5,
        maximum_age=17,
        description="Counselors meet with parents and teens.",
    )
    detail(db, s["family"], "payment-medicare")
    db.session.add(hours_of(s["family"], "MO,TU,WE,TH,FR", "09:30", "17:00"))
    located(s["family"], 38.8816, -77.0910)  # Arlington, about 6 miles north

    s["late"] = ServiceFactory(
        name="Late Night Counseling Line", description="Counseling by phone at night."
    )
    db.session.add(hours_of(s["late"], "FR,SA", "20:00", "02:00"))

    s["closed"] = ServiceFactory(
        name="Teen Counseling Annex",
        status="temporarily closed",
        description="Counseling for teens.",
    )
    located(s["closed"], 38.8050, -77.0470)
    ServiceFactory(name="Retired Counseling Program", status="inactive")
    ServiceFactory(name="Defunct Counseling Program", status="defunct")
    db.session.commit()
    assert rebuild_index() == 4  # inactive and defunct services are never indexed
    return s


def run(**kwargs) -> list[str]:
    return names(search_services(SearchParams(**kwargs)))


def test_finds_by_name_category_and_stemmed_words(catalog):
    assert run(q="withdrawal") == ["Medical Stabilization Unit"]
    assert run(q="substance use") == ["Medical Stabilization Unit"]  # the parent category
    assert "Family Counseling Center" in run(q="counselor")


def test_names_weigh_more_than_descriptions_and_closed_services_come_last(catalog):
    found = run(q="counseling")
    assert found[-1] == "Teen Counseling Annex"
    assert "Retired Counseling Program" not in found and "Defunct Counseling Program" not in found
    assert set(found[:2]) == {"Family Counseling Center", "Late Night Counseling Line"}


def test_synonyms_map_how_people_talk(catalog):
    assert run(q="detox") == ["Medical Stabilization Unit"]
    assert "Family Counseling Center" in run(q="counselling")


def test_typos_are_forgiven_and_corrected_as_words(catalog):
    page = search_services(SearchParams(q="withdrawl"))
    assert names(page) == ["Medical Stabilization Unit"]
    assert page.suggestion == "withdrawal"  # a word, not the stem "withdraw"


def test_filters_combine(catalog):
    assert run(q="counseling", languages=["es"]) == []
    assert run(languages=["es"]) == ["Medical Stabilization Unit"]
    assert run(details=["payment-medicaid"]) == ["Medical Stabilization Unit"]
    # Two payments widen, a payment and a language narrow.
    assert set(run(details=["payment-medicaid", "payment-medicare"])) == {
        "Medical Stabilization Unit",
        "Family Counseling Center",
    }
    assert run(details=["payment-medicare"], languages=["es"]) == []
    assert run(accepting=True) == ["Medical Stabilization Unit"]


def test_category_filter_includes_sub_categories(catalog, db):
    parent = db.session.query(TaxonomyTerm).filter_by(name="Substance use").one()
    assert run(categories=[parent.id]) == ["Medical Stabilization Unit"]


@pytest.mark.parametrize(
    "age, expected",
    [
        (10, {"Family Counseling Center", "Late Night Counseling Line", "Teen Counseling Annex"}),
        (30, {"Medical Stabilization Unit", "Late Night Counseling Line", "Teen Counseling Annex"}),
        (17, {"Family Counseling Center", "Late Night Counseling Line", "Teen Counseling Annex"}),
        (18, {"Medical Stabilization Unit", "Late Night Counseling Line", "Teen Counseling Annex"}),
    ],
)
def test_age_must_fall_within_the_services_ages(catalog, age, expected):
    assert set(run(age=age)) == expected


@pytest.mark.parametrize(
    "moment, expected",
    [
        (MONDAY_NOON, {"Medical Stabilization Unit", "Family Counseling Center"}),
        (dt.datetime(2026, 11, 23, 9, 15), {"Medical Stabilization Unit"}),  # opens 9:30
        (
            dt.datetime(2026, 11, 23, 9, 45),
            {"Medical Stabilization Unit", "Family Counseling Center"},
        ),
        (
            dt.datetime(2026, 11, 23, 16, 59),
            {"Medical Stabilization Unit", "Family Counseling Center"},
        ),
        (dt.datetime(2026, 11, 23, 17, 0), {"Medical Stabilization Unit"}),  # closes 17:00
        (
            dt.datetime(2026, 11, 28, 1, 30),
            {"Medical Stabilization Unit", "Late Night Counseling Line"},
        ),
        (
            dt.datetime(2026, 11, 29, 1, 30),
            {"Medical Stabilization Unit", "Late Night Counseling Line"},
        ),
        (dt.datetime(2026, 11, 30, 1, 30), {"Medical Stabilization Unit"}),  # Sunday had no hours
    ],
)
def test_open_at_a_moment_follows_the_schedules(catalog, moment, expected):
    assert set(run(open_at=moment)) == expected


def test_open_hours_are_indexed_in_blocks_and_hours_of_the_week(catalog):
    from portal.search.documents import open_hours_tokens

    # Hours of the week count from Monday 0:00; blocks are three hours. 9:30-17:00 is part of
    # 9:00, all of 10:00 and 11:00, the whole 12-15 block, all of 15:00 and 16:00.
    assert set(open_hours_tokens(catalog["family"])) == {
        token
        for day in range(5)
        for token in (
            f"p{24 * day + 9}",
            f"f{24 * day + 10}",
            f"f{24 * day + 11}",
            f"b{8 * day + 4}",
            f"f{24 * day + 15}",
            f"f{24 * day + 16}",
        )
    }
    assert open_hours_tokens(catalog["detox"]) == ["always"]
    # Friday and Saturday 20:00-02:00 run into the next day.
    assert set(open_hours_tokens(catalog["late"])) == {
        "f116",
        "b39",
        "f120",
        "f121",
        "f140",
        "b47",
        "f144",
        "f145",
    }


def test_open_at_checks_monthly_and_week_wrapping_hours_exactly(db):
    monthly = ServiceFactory(name="Second Tuesday Clinic")
    db.session.add(
        Schedule(
            service_id=monthly.id,
            freq="MONTHLY",
            byday="2TU",
            opens_at=dt.time(9, 30),
            closes_at=dt.time(12, 0),
        )
    )
    overnight = ServiceFactory(name="Sunday Night Line")
    db.session.add(hours_of(overnight, "SU", "22:00", "02:30"))
    db.session.commit()
    rebuild_index()
    # 2026-12-08 is the second Tuesday of December; 2026-12-15 the third.
    assert run(open_at=dt.datetime(2026, 12, 8, 9, 45)) == ["Second Tuesday Clinic"]
    assert run(open_at=dt.datetime(2026, 12, 8, 9, 15)) == []
    assert run(open_at=dt.datetime(2026, 12, 15, 9, 45)) == []
    # Sunday's hours run into Monday morning, across the end of the week.
    assert run(open_at=dt.datetime(2026, 11, 30, 2, 15)) == ["Sunday Night Line"]
    assert run(open_at=dt.datetime(2026, 11, 30, 2, 45)) == []
    assert run(open_at=dt.datetime(2026, 11, 29, 21, 59)) == []


def test_distance_filters_sorts_and_keeps_phone_services(catalog):
    old_town = geo.Point(38.8048, -77.0469)
    page = search_services(
        SearchParams(q="counseling", near=old_town, radius_miles=2, sort="distance")
    )
    found = names(page)
    # Within 2 miles: the phone line (no location, so it stays) and the annex (temporarily
    # closed, so last); the family center, 6 miles away, is out.
    assert found == ["Late Night Counseling Line", "Teen Counseling Annex"]
    wide = search_services(
        SearchParams(q="counseling", near=old_town, radius_miles=10, sort="distance")
    )
    by_name = dict(zip(names(wide), [h.distance_miles for h in wide.hits], strict=True))
    assert 5 < by_name["Family Counseling Center"] < 8
    assert by_name["Late Night Counseling Line"] is None


def test_facet_counts_describe_the_results(catalog):
    page = search_services(SearchParams(q="counseling"))
    assert page.facets["detail"] == {"payment-medicare": 1}
    everything = search_services(SearchParams(accepting=False, languages=[], age=40))
    assert everything.facets["language"] == {"es": 1}
    assert everything.facets["accepting"]["yes"] == 1


def test_results_are_highlighted_and_escaped(catalog, db):
    ServiceFactory(name="Counseling <Clinic> & Co", description="<b>Bold</b> counseling.")
    db.session.commit()
    rebuild_index()
    page = search_services(SearchParams(q="counseling"))
    hit = next(h for h in page.hits if "Clinic" in h.name_html)
    assert str(hit.name_html) == "<mark>Counseling</mark> &lt;Clinic&gt; &amp; Co"
    snippet = str(hit.snippet_html)
    assert "<b>" not in snippet and "Bold&lt;/b&gt; <mark>counseling</mark>" in snippet


def test_pages_past_the_end_are_empty_not_errors(catalog):
    page = search_services(SearchParams(q="counseling", page=50))
    assert page.total == 3 and page.hits == []


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "title:detox",
        "detox*",
        "(counseling",
        "a AND OR NOT",
        "[1 TO 9]",
        "x" * 10_000,
        "counseling^9",
        "💥 ~ \\ / ' -",
        "%00",
        "<script>alert(1)</script>",
    ],
)
def test_query_syntax_and_huge_queries_are_just_words(catalog, client, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert client.get("/search.json", query_string={"q": query}).status_code == 200


@pytest.mark.parametrize(
    "args, message",
    [
        ({"zip": "99999"}, "We do not know the ZIP code 99999."),
        ({"zip": "2231"}, "Enter a 5-digit ZIP code."),
        ({"zip": "22314", "radius": "-3"}, "Distance must be between 0.5 and 100 miles."),
        ({"page": "100000"}, "Page must be between 1 and 500."),
        ({"page": "x"}, "Page must be a whole number, like 2."),
        ({"age": "200"}, "Age must be between 0 and 120."),
        ({"open": "at", "day": "mon"}, "Choose a day and a time"),
        ({"open": "at", "day": "mon", "time": "25:00"}, "Enter a time like 18:30."),
        ({"lat": "38.8"}, "Give both latitude and longitude, or neither."),
        ({"lat": "95", "lng": "-77"}, "Latitude must be between -90 and 90."),
        ({"language": "zz"}, "Choose one of the options listed for “Language”."),
    ],
)
def test_bad_parameters_get_a_clear_message(catalog, client, args, message):
    response = client.get("/search", query_string={"q": "counseling", **args})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    as_json = client.get("/search.json", query_string={"q": "counseling", **args})
    assert as_json.status_code == 400 and as_json.get_json()["errors"]


def test_results_page_shows_what_a_person_needs(catalog, client, app, monkeypatch):
    from portal.directory import presenters

    monkeypatch.setattr(presenters, "local_now", lambda: MONDAY_NOON)
    page = client.get("/search?q=stabilization&zip=22314").get_data(as_text=True)
    assert "1 service matches" in page
    assert "Medical <mark>Stabilization</mark> Unit" in page
    assert "miles away" in page and "Open now" in page and "Spanish" in page
    assert "Near 22314" in page  # a removable filter
    assert re.search(
        r'href="/search\?q=stabilization"[^>]*aria-label="Remove filter: Near 22314"', page
    )


def test_zip_in_the_words_searches_near_it(catalog, client):
    data = client.get("/search.json?q=counseling+near+22314").get_json()
    assert data["query"] == "counseling"
    assert all(r["distance_miles"] is None or r["distance_miles"] < 10 for r in data["results"])
    assert any(r["distance_miles"] is not None for r in data["results"])


def test_json_has_the_same_results(catalog, client):
    data = client.get("/search.json?q=counseling&detail=payment-medicare").get_json()
    assert data["total"] == 1
    result = data["results"][0]
    assert result["name"] == "Family Counseling Center"
    assert result["payment"] == ["payment-medicare"]
    assert result["url"].startswith("/services/")


def test_json_results_carry_the_cards_snippet(catalog, client):
    data = client.get("/search.json?q=stabilization+alcohol").get_json()
    result = next(r for r in data["results"] if r["name"] == "Medical Stabilization Unit")
    assert result["snippet_html"] == (
        "Supervised care while the body clears <mark>alcohol</mark> or drugs."
    )
    assert result["snippet"] == "Supervised care while the body clears alcohol or drugs."
    assert result["name_html"] == "Medical <mark>Stabilization</mark> Unit"
    page = client.get("/search?q=stabilization+alcohol").get_data(as_text=True)
    assert result["snippet_html"] in page  # the same snippet as the card
    assert result["distance_approximate"] is False


def test_empty_results_suggest_what_to_relax(catalog, client):
    page = client.get("/search?q=counseling&language=es").get_data(as_text=True)
    assert "No services found" in page and "Remove a filter" in page


def test_an_empty_catalog_answers_every_kind_of_search(client, db):
    rebuild_index()
    for query in (
        "q=counseling",
        "age=30",
        "open=now",
        "zip=22314&radius=5&sort=distance",
        "lat=38.8&lng=-77.0&radius=10",
        "accepting=y",
    ):
        response = client.get(f"/search?{query}")
        assert response.status_code == 200, query
        assert "No services found" in response.get_data(as_text=True), query


def test_missing_index_keeps_the_site_up(client, db):
    ServiceFactory(name="Anything")
    response = client.get("/search?q=anything")
    assert response.status_code == 200
    assert "Search is being rebuilt" in response.get_data(as_text=True)


def test_corrupt_index_keeps_the_site_up(catalog, client, app):
    from pathlib import Path

    current = Path(app.config["PORTAL_SEARCH_INDEX_DIR"]) / "current"
    from portal.search.index_view import open_views

    open_views.close()
    for path in current.resolve().iterdir():  # the index's files are gone
        path.unlink()
    response = client.get("/search?q=counseling")
    assert response.status_code == 200
    assert "Search is being rebuilt" in response.get_data(as_text=True)


def test_index_from_an_older_version_is_reported_not_used(catalog, client, app):
    from pathlib import Path

    from whoosh import fields, index

    from portal.search.index_view import open_views

    open_views.close()
    current = Path(app.config["PORTAL_SEARCH_INDEX_DIR"]) / "current"
    for path in current.resolve().iterdir():
        path.unlink()
    index.create_in(str(current.resolve()), fields.Schema(id=fields.ID(stored=True)))
    response = client.get("/search?q=counseling&open=now")
    assert response.status_code == 200
    assert "Search is being rebuilt" in response.get_data(as_text=True)
    rebuild_index()
    assert "Family Counseling Center" in run(q="counseling")


def test_rebuild_catches_changes_made_around_the_orm(catalog, db):
    from sqlalchemy import update

    from portal.models import Service

    # A bulk statement (as imports use) writes no outbox row; a rebuild still finds it.
    db.session.execute(
        update(Service)
        .where(Service.id == catalog["family"].id)
        .values(name="Brand New Food Pantry")
    )
    db.session.commit()
    assert run(q="pantry") == []
    rebuild_index()
    assert run(q="pantry") == ["Brand New Food Pantry"]


def _derived_value_searches(db) -> list[dict]:
    """Searches that make every kind of value derived from the index: term document sets,
    ages, coordinates, facet values, scores, spelling."""
    detox_term = db.session.query(TaxonomyTerm).filter_by(name="Withdrawal management").one()
    old_town = geo.Point(38.8048, -77.0469)
    return [
        dict(q="counseling"),
        dict(q="detox"),
        dict(q="councelling"),
        dict(q="clinic"),
        dict(categories=[detox_term.parent_id]),
        dict(languages=["es"]),
        dict(details=["payment-medicaid"]),
        dict(age=10),
        dict(age=30),
        dict(accepting=True),
        dict(open_at=MONDAY_NOON),
        dict(q="counseling", open_at=MONDAY_NOON),
        dict(near=old_town, radius_miles=5, sort="distance"),
        dict(q="counseling", near=old_town),
    ]


def answers_to(searches: list[dict]) -> list:
    """What each search answers: counts, facets, suggestion, services in order, and each
    hit's distance and marked words."""
    found = []
    for params in searches:
        page = search_services(SearchParams(per_page=50, **params))
        found.append(
            (
                params,
                page.total,
                page.facets,
                page.suggestion,
                page.service_ids,  # in order: scores use the current word rarity, always
                {h.service_id: h.distance_miles for h in page.hits},
                {h.service_id: str(h.name_html) for h in page.hits},
                {h.service_id: str(h.snippet_html) for h in page.hits},
            )
        )
    return found


def test_an_update_carries_derived_values_over_exactly(catalog, db):
    """After a listing change, what searches derived from the old version of the index is
    adjusted for the change instead of recomputed; every answer must equal a fresh
    searcher's."""
    from portal.search import indexer
    from portal.search.index_view import open_views

    searches = _derived_value_searches(db)
    answers_to(searches)  # every kind of derived value exists for the first version
    family = catalog["family"]
    family.name = "Family Counseling and Detox Clinic"
    family.maximum_age = 12
    db.session.add(Language(service_id=family.id, code="es", name="Spanish"))
    db.session.commit()
    carried = answers_to(searches)
    assert (
        open_views.current(indexer.store()).change is not None
    )  # the update was carried, not recomputed
    assert family.id in open_views.current(indexer.store()).change.service_ids
    open_views.close()
    assert carried == answers_to(searches)

    catalog["detox"].status = "inactive"
    detox_term = db.session.query(TaxonomyTerm).filter_by(name="Withdrawal management").one()
    riverside = ServiceFactory(
        name="Riverside Detox Clinic",
        minimum_age=16,
        accepting_new_clients=True,
        description="Detox and counseling.",
    )
    AttributeFactory(link_id=riverside.id, taxonomy_term=detox_term)
    db.session.add(Language(service_id=riverside.id, code="vi", name="Vietnamese"))
    detail(db, riverside, "payment-medicaid")
    db.session.add(hours_of(riverside, "MO,TU,WE,TH,FR", "08:00", "20:00"))
    located(riverside, 38.8100, -77.0500)
    db.session.commit()
    carried = answers_to(searches)
    assert open_views.current(indexer.store()).change is not None
    assert {catalog["detox"].id, riverside.id} <= open_views.current(
        indexer.store()
    ).change.service_ids
    assert "Riverside Detox Clinic" in run(q="detox", languages=["vi"], age=16)
    assert "Medical Stabilization Unit" not in run(q="detox")
    open_views.close()
    assert carried == answers_to(searches)


def test_merged_update_segments_carry_over_too(catalog, db, monkeypatch):
    """Updates' small segments are merged once there are too many; the build's segment
    keeps its document numbers, so searches still carry over exactly."""
    from datetime import timedelta

    from portal.search import indexer, outbox
    from portal.search.index_view import open_views

    monkeypatch.setattr(outbox, "LATE_COMMIT_WINDOW", timedelta(0))  # the rebuild re-applies none
    monkeypatch.setattr(indexer, "SMALL_SEGMENT_DOCS", 4)  # the build's segment is "large"
    monkeypatch.setattr(indexer, "UPDATE_SEGMENTS", 1)
    rebuild_index()  # one segment of four
    searches = _derived_value_searches(db)
    answers_to(searches)
    segments, kept = [], []
    for number, key in enumerate(["family", "late", "detox", "family", "closed"]):
        catalog[key].name = f"{catalog[key].name} {number}"
        catalog[key].minimum_age = number
        db.session.commit()
        carried = answers_to(searches)
        change = open_views.current(indexer.store()).change
        assert change is not None, number
        kept.append(change.kept)
        segments.append(len(list(open_views.current(indexer.store()).reader.leaf_readers())))
        open_views.close()
        assert carried == answers_to(searches), number
    # The third and fifth updates merged the small segments before them into theirs: only
    # the build's four documents kept their numbers then.
    assert segments == [2, 3, 2, 3, 2]
    assert kept == [4, 5, 4, 7, 4]


def test_a_full_build_indexes_each_spelling_word_once(db):
    from portal.search.documents import SpellingWords

    spelling = SpellingWords()
    assert (
        spelling.first_seen({"words": "Harbor Counseling, harbor"})["words"] == "harbor counseling"
    )
    assert spelling.first_seen({"words": "Counseling for Families"})["words"] == "for families"
    # The word stays known to "Did you mean" when the service that carried it goes.
    # The build reads services by id: the first one carries the shared word.
    carrier, other = sorted(
        [ServiceFactory(name="Harbor Counseling"), ServiceFactory(name="Bayside Counseling")],
        key=lambda s: s.id,
    )
    db.session.commit()
    rebuild_index()
    assert search_services(SearchParams(q="counsoling")).suggestion == "counseling"
    carrier.status = "inactive"
    db.session.commit()
    page = search_services(SearchParams(q="counsoling"))
    assert page.suggestion == "counseling"
    assert names(page) == [other.name]
