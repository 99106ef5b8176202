"""Ranking that reads the need (issue 12, point 4), on the sample catalog: "no insurance" and
"free" favour free and sliding-scale services; a ZIP code in the words sorts by distance and
shows as a removable chip; filler words are neither matched nor highlighted; snippets end on
a whole word with "…"; a need now ("tonight") ranks services with room first."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlparse

import pytest

from portal.search import highlighting
from portal.search.interpretation import interpret

FREE = {"Free", "Sliding scale fees"}


def results(client, q: str, **args) -> list[dict]:
    return client.get("/search.json", query_string={"q": q, **args}).get_json()["results"]


def _is_free(result: dict) -> bool:
    return bool(FREE & set(result["payment"]))


@pytest.mark.parametrize(
    "q", ["no insurance counseling", "free counseling", "counseling sin seguro"]
)
def test_no_insurance_favours_free_and_sliding_scale(client, sample, q):
    plain = results(client, "counseling")
    needy = results(client, q)
    assert all(_is_free(r) for r in needy[:5]), [r["name"] for r in needy[:5]]
    # The plain search ranks a service that is neither free nor sliding scale in its top 5.
    assert not all(_is_free(r) for r in plain[:5])


def test_a_zip_in_the_words_sorts_by_distance_and_shows_a_removable_chip(client, sample):
    found = results(client, "detox near 22314")
    miles = [r["distance_miles"] for r in found if r["distance_miles"] is not None]
    assert len(miles) >= 2 and miles == sorted(miles)
    body = html.unescape(client.get("/search?q=detox+near+22314").get_data(as_text=True))
    chip = re.search(r'<a href="([^"]+)" aria-label="Remove filter: Near 22314">', body)
    assert chip is not None
    remove = parse_qs(urlparse(chip.group(1)).query)
    assert remove["q"] == ["detox"] and "zip" not in remove
    # The chip's link searches the words alone.
    again = client.get(chip.group(1).replace("/search?", "/search.json?")).get_json()
    assert all(r["distance_miles"] is None for r in again["results"])


def test_an_explicit_sort_is_kept(client, sample):
    found = results(client, "detox near 22314", sort="relevance")
    assert [r["name"] for r in found] == [r["name"] for r in results(client, "detox")]


def test_filler_words_are_neither_matched_nor_highlighted(client, sample):
    assert interpret("what is detox").words == ("detox",)
    assert interpret("where can i find somewhere for detox").words == ("detox",)
    assert [r["name"] for r in results(client, "what is detox")] == [
        r["name"] for r in results(client, "detox")
    ]
    body = client.get("/search?q=what+i+need+is+counseling").get_data(as_text=True).lower()
    assert "<mark>counseling</mark>" in body
    for word in ("what", "i", "need", "is"):
        assert f"<mark>{word}</mark>" not in body


def test_a_need_now_ranks_services_with_room_first(client, sample):
    found = results(client, "somewhere to sleep tonight")

    def full(result) -> bool:  # not accepting, or every unit counted and none open
        return not result["has_room"] and (
            result["accepting_new_clients"] is False or bool(result["openings"])
        )

    known_full = [full(r) for r in found]
    assert True in known_full, "the sample has a shelter that is not accepting"
    assert known_full == sorted(known_full), (
        "a service known to be full ranks above one that is not"
    )
    # Without the need, the full shelter ranks first.
    assert results(client, "shelter")[0]["accepting_new_clients"] is False
    assert results(client, "shelter tonight")[0]["accepting_new_clients"] is not False


def test_snippets_end_on_a_whole_word_with_an_ellipsis():
    text = "Counselors answer calls any time of day. " * 10
    plain = str(highlighting.snippet_html(text, frozenset()))
    assert plain.endswith("…") and len(plain) <= highlighting.UNMATCHED_SNIPPET_CHARS + 1
    assert text.startswith(plain[:-1]) and text[len(plain) - 1] == " "
    filler = "Intro words here. " * 8
    marked = str(
        highlighting.snippet_html(
            filler + "Counselors answer calls. " + filler, frozenset(["answer"])
        )
    )
    assert marked.startswith("…") and marked.endswith("…")
    assert "<mark>answer</mark>" in marked
    short = "Free counseling for teens."
    assert str(highlighting.snippet_html(short, frozenset(["counsel"]))) == (
        "Free <mark>counseling</mark> for teens."
    )


def test_result_snippets_on_the_sample_catalog_end_on_a_word(client, sample):
    body = html.unescape(client.get("/search?q=counseling").get_data(as_text=True))
    snippets = re.findall(r'<p class="snippet"[^>]*>(.*?)</p>', body, re.S)
    assert snippets
    for snippet in snippets:
        text = re.sub(r"<[^>]+>", "", snippet).strip()
        assert text.endswith(("…", ".", "!", "?", ")")), text
