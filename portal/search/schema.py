"""The index schema: what is searched, what is filtered on, what is stored for results."""
from __future__ import annotations

from whoosh import columns
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

# Names and categories weigh more than descriptions.
TEXT_FIELDS = {
    "name": 4.0,
    "categories": 3.0,
    "facts": 1.5,  # languages, payment, who it is for, how to get it
    "organization": 1.2,
    "description": 1.0,
    "eligibility": 0.8,
}
SPELLING_FIELD = "words"  # unstemmed words, so "Did you mean" suggests words, not stems
NO_AGE_LIMIT = 200


def build() -> Schema:
    stemming = StemmingAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        name=TEXT(analyzer=stemming, field_boost=TEXT_FIELDS["name"], stored=True),
        categories=TEXT(analyzer=stemming, field_boost=TEXT_FIELDS["categories"]),
        facts=TEXT(analyzer=stemming, field_boost=TEXT_FIELDS["facts"]),
        organization=TEXT(analyzer=stemming, field_boost=TEXT_FIELDS["organization"]),
        description=TEXT(analyzer=stemming, field_boost=TEXT_FIELDS["description"], stored=True),
        eligibility=TEXT(analyzer=stemming, field_boost=TEXT_FIELDS["eligibility"]),
        words=TEXT(analyzer=StandardAnalyzer(stoplist=None, minsize=2)),
        # Filters: exact tokens.
        category=KEYWORD(commas=True),  # the term ids and all their ancestors
        language=KEYWORD(commas=True, lowercase=True),  # ISO codes
        detail=KEYWORD(commas=True),  # payment-medicaid, delivery-telehealth, …
        accepting=ID,  # yes / no / unknown
        open_hours=KEYWORD(commas=True),  # always, f<hour of week>, p<hour of week>
        geo=KEYWORD(commas=True),  # grid cells of the locations
        # Default (signed 32-bit) numerics: whoosh's open-ended ranges misread unsigned ones.
        min_age=NUMERIC(int),
        max_age=NUMERIC(int),
        # Sorting and results.
        closed_rank=NUMERIC(int, sortable=True),
        name_key=ID(sortable=True),  # lower-cased name: the order when no words are given
        # Coordinates as a column, not indexed: read per candidate during a distance search.
        coords=COLUMN(columns.VarBytesColumn()),
        location_count=STORED,
    )
