"""Search, as far as the foundation offers it: an index of the public services and /search."""
import re

import pytest

from portal.search import rebuild_index, search_services
from tests.factories import AttributeFactory, ServiceFactory, TaxonomyFactory, TaxonomyTermFactory


@pytest.fixture
def indexed(db):
    taxonomy = TaxonomyFactory()
    detox = TaxonomyTermFactory(name="Withdrawal management", taxonomy_detail=taxonomy)
    medical = ServiceFactory(name="Medical Stabilization Unit",
                             description="Supervised care while the body clears alcohol or drugs.")
    AttributeFactory(link_id=medical.id, taxonomy_term=detox)
    counseling = ServiceFactory(name="Family Counseling Center",
                                description="Counselors meet with parents and teens.")
    closed = ServiceFactory(name="Teen Counseling Annex", status="temporarily closed",
                            description="Counseling for teens.")
    ServiceFactory(name="Retired Counseling Program", status="inactive")
    db.session.commit()
    assert rebuild_index() == 3  # the inactive service is never indexed
    return {"medical": medical, "counseling": counseling, "closed": closed}


def test_finds_by_name_category_and_stemmed_words(indexed):
    assert search_services("withdrawal").service_ids == [indexed["medical"].id]
    found = search_services("counselor").service_ids
    assert indexed["counseling"].id in found


def test_inactive_never_appears_and_temporarily_closed_come_last(indexed):
    found = search_services("counseling").service_ids
    assert found[-1] == indexed["closed"].id
    assert len(found) == 2


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "title:detox", "detox*", "(counseling", "a AND OR NOT", "[1 TO 9]",
     "x" * 10_000, "counseling^9", "💥 ~ \\ / ' -"],
)
def test_query_syntax_and_huge_queries_are_just_words(indexed, client, query):
    search_services(query)  # no exception
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200


def test_results_page_lists_matches(indexed, client):
    page = client.get("/search?q=withdrawal").get_data(as_text=True)
    assert "Medical Stabilization Unit" in page
    assert re.search(r"1 service matches", page)


def test_no_matches_suggests_browsing(indexed, client):
    page = client.get("/search?q=zzzzqqq").get_data(as_text=True)
    assert "0 services match" in page and "browse a category" in page


def test_missing_index_keeps_the_site_up(client, db):
    ServiceFactory(name="Anything")
    response = client.get("/search?q=anything")
    assert response.status_code == 200
    assert "Search is being rebuilt" in response.get_data(as_text=True)


def test_rebuild_swaps_in_a_new_index(indexed, db, app):
    ServiceFactory(name="Brand New Food Pantry")
    db.session.commit()
    assert search_services("pantry").total == 0
    rebuild_index()
    assert search_services("pantry").total == 1
