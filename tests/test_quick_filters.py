"""Phone-first results (issue 12, point 5): one row of quick filter chips above the results,
each a plain link that applies or removes its filter at once and shows how many results it
keeps; category pages get the same chips; result cards carry a large Call button."""

from __future__ import annotations

import re
from urllib.parse import unquote

from portal.catalog import vocabulary
from portal.models import Language, ServiceCapacity
from portal.search import rebuild_index
from tests.database import built_once
from tests.factories import (
    AttributeFactory,
    PhoneFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
    UnitFactory,
)
from tests.test_search import detail, hours_of


@built_once
def counseling(db):
    taxonomy = TaxonomyFactory(id=vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID)
    term = TaxonomyTermFactory(name="Counseling", taxonomy_detail=taxonomy)
    beds = UnitFactory(name="beds")
    s = {
        key: ServiceFactory(name=name, description="Counseling for adults.")
        for key, name in [
            ("all_day", "Anytime Counseling"),
            ("sliding", "Sliding Fee Counseling"),
            ("spanish", "Consejería Comunitaria"),
            ("walk_in", "Walk-In Counseling"),
        ]
    }
    for service in s.values():
        AttributeFactory(link_id=service.id, taxonomy_term=term)
    db.session.add(hours_of(s["all_day"], "MO,TU,WE,TH,FR,SA,SU", "00:00", "00:00"))
    s["all_day"].accepting_new_clients = True
    s["all_day"].phones.append(PhoneFactory.build(number="(703) 555-0190"))
    detail(db, s["all_day"], "payment-free")
    detail(db, s["all_day"], "delivery-walk-in")
    db.session.add(Language(service_id=s["all_day"].id, code="es", name="Spanish"))
    detail(db, s["sliding"], "payment-sliding-scale")
    s["sliding"].accepting_new_clients = False
    s["sliding"].capacities.append(ServiceCapacity(unit=beds, available=0, maximum=10))
    db.session.add(Language(service_id=s["spanish"].id, code="es", name="Spanish"))
    s["spanish"].capacities.append(ServiceCapacity(unit=beds, available=2, maximum=10))
    detail(db, s["walk_in"], "delivery-walk-in")
    db.session.commit()
    rebuild_index()
    return {"term": term, **s}


def chips_of(html: str) -> dict[str, tuple[str, str, bool]]:
    """Each chip's key: (link, visible text, on)."""
    found = {}
    for href, key, current, inner in re.findall(
        r'<a href="([^"]*)" class="chip[^"]*" data-chip="([^"]+)"( aria-current="true")?>(.*?)</a>',
        html,
        re.S,
    ):
        text = re.sub(r"<[^>]+>", "", inner).strip()
        found[key] = (unquote(href.replace("&amp;", "&")), " ".join(text.split()), bool(current))
    return found


def result_ids(html: str) -> set[str]:
    return set(re.findall(r'class="card-title" id="svc-([0-9a-f-]+)"', html))


def test_chips_show_counts_and_apply_at_once(client, counseling):
    s = counseling
    html = client.get("/search?q=counseling").get_data(as_text=True)
    chips = chips_of(html)
    assert list(chips) == ["open", "room", "near", "free", "spanish", "walk_in"]
    assert chips["open"][1] == "Open now (1)"
    assert chips["room"][1] == "Has room (2)"
    assert chips["near"][1] == "Near me / ZIP" and chips["near"][0].endswith("#where")
    assert chips["free"][1] == "Free or sliding scale (2)"
    assert chips["spanish"][1] == "Spanish-speaking staff (2)"
    assert chips["walk_in"][1] == "Walk-in (2)"
    assert not any(on for _url, _text, on in chips.values())
    # The chips come before the first result.
    assert html.index('class="quick-filters"') < html.index('class="card-title"')

    expected = {
        "open": {s["all_day"].id},
        "room": {s["all_day"].id, s["spanish"].id},
        "free": {s["all_day"].id, s["sliding"].id},
        "spanish": {s["all_day"].id, s["spanish"].id},
        "walk_in": {s["all_day"].id, s["walk_in"].id},
    }
    for key, ids in expected.items():
        url = chips[key][0]
        page = client.get(url)
        assert page.status_code == 200, url
        applied = page.get_data(as_text=True)
        assert result_ids(applied) == ids, key
        chip_url, text, on = chips_of(applied)[key]
        assert on and text.startswith("✓") and f"({len(ids)})" in text
        # Selecting it again removes it: back to every result.
        assert result_ids(client.get(chip_url).get_data(as_text=True)) == {
            s[k].id for k in ("all_day", "sliding", "spanish", "walk_in")
        }


def test_chips_combine(client, counseling):
    s = counseling
    html = client.get("/search?q=counseling&room=y").get_data(as_text=True)
    chips = chips_of(html)
    assert chips["spanish"][1] == "Spanish-speaking staff (2)"
    assert chips["walk_in"][1] == "Walk-in (1)"
    both = client.get(chips["walk_in"][0]).get_data(as_text=True)
    assert result_ids(both) == {s["all_day"].id}


def test_a_zip_shows_as_the_near_chip_and_removes_with_it(client, counseling):
    html = client.get("/search?q=counseling&zip=22314&radius=5").get_data(as_text=True)
    url, text, on = chips_of(html)["near"]
    assert on and "Near 22314" in text
    assert "zip" not in url and "radius" not in url and "q=counseling" in url


def test_no_chips_before_anything_is_asked(client, counseling):
    assert 'class="quick-filters"' not in client.get("/search").get_data(as_text=True)


def test_category_pages_get_the_same_chips(client, counseling):
    s = counseling
    html = client.get(f"/categories/{s['term'].id}").get_data(as_text=True)
    chips = chips_of(html)
    assert chips["room"][1] == "Has room (2)" and chips["open"][1] == "Open now (1)"
    applied = client.get(chips["room"][0]).get_data(as_text=True)
    assert result_ids(applied) == {s["all_day"].id, s["spanish"].id}
    assert f"/search?category={s['term'].id}" in html.replace("&amp;", "&")


def test_result_cards_carry_a_call_button(client, counseling):
    html = client.get("/search?q=anytime").get_data(as_text=True)
    assert re.search(
        r'<a class="button button-call" href="tel:\+17035550190">Call<span class="visually-hidden"'
        r' lang="en"> Anytime Counseling</span>',
        html,
    )
