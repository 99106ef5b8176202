"""The index schema: what is searched, what is filtered on, what is stored for results."""

from __future__ import annotations

from whoosh import columns
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

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
SPELLING_ANALYZER = StandardAnalyzer(stoplist=None, minsize=2)
NO_AGE_LIMIT = 200
# The open-at filter's terms (documents.open_hours_tokens) name a block of this many hours
# when a service is open all of it, instead of each hour: a 9-to-5 weekday is four terms
# instead of eight, and which services need an exact check stays the same.
OPEN_BLOCK_HOURS = 3


def _text(analyzer, boost: float = 1.0, stored: bool = False) -> TEXT:
    """A searched text field, without positions: there are no phrase queries (a phrase
    matches when all its stems are there), and positions only slow indexing down."""
    return TEXT(analyzer=analyzer, field_boost=boost, stored=stored, phrase=False)


def _with_lengths(schema: Schema) -> Schema:
    """Give every indexed field a length column. Whoosh-reloaded looks for a field's length
    column once per posting while it writes a segment, and a missing column is a file-system
    check each time; a present one is read from memory."""
    for name in schema.names():
        field = schema[name]
        if field.indexed:
            field.scorable = True
    return schema


def build() -> Schema:
    stemming = StemmingAnalyzer()
    return _with_lengths(
        Schema(
            id=ID(stored=True, unique=True),
            name=_text(stemming, TEXT_FIELDS["name"], stored=True),
            categories=_text(stemming, TEXT_FIELDS["categories"]),
            facts=_text(stemming, TEXT_FIELDS["facts"]),
            organization=_text(stemming, TEXT_FIELDS["organization"]),
            description=_text(stemming, TEXT_FIELDS["description"], stored=True),
            eligibility=_text(stemming, TEXT_FIELDS["eligibility"]),
            # Read only by the spelling corrector, which needs each word's presence, not which
            # documents have it: a full build indexes each word once (see indexer.rebuild).
            words=_text(SPELLING_ANALYZER),
            # Filters: exact tokens.
            category=KEYWORD(commas=True),  # the term ids and all their ancestors
            language=KEYWORD(commas=True, lowercase=True),  # ISO codes
            detail=KEYWORD(commas=True),  # payment-medicaid, delivery-telehealth, …
            accepting=ID,  # yes / no / unknown
            room=ID,  # yes / no / unknown: room now (catalog.capacity.room_now)
            # always, b<block>, f<hour>, p<hour>. Named open_times since the blocks came, so an
            # index with the former terms (open_hours) is rebuilt instead of misread.
            open_times=KEYWORD(commas=True),
            geo=KEYWORD(commas=True),  # grid cells of the locations
            # Sorting and results.
            temporarily_closed=ID,  # yes / no: these come last
            name_key=ID(sortable=True),  # lower-cased name: the order when no words are given
            # Coordinates as a column, not indexed: read per candidate during a distance search.
            coords=COLUMN(columns.VarBytesColumn()),
            # Ages as columns (a numeric field costs eight index terms per value): the age filter
            # reads them once per index version and age.
            min_age=COLUMN(columns.NumericColumn("H")),
            max_age=COLUMN(columns.NumericColumn("H", default=NO_AGE_LIMIT)),
            # Open intervals in minutes of the week, when every schedule is the same each week:
            # the open-at filter checks these instead of loading the schedules.
            weekly_minutes=COLUMN(columns.VarBytesColumn()),
            # Otherwise (monthly, dated hours) the schedules themselves, as JSON.
            schedules=COLUMN(columns.VarBytesColumn()),
            location_count=STORED,
        )
    )
