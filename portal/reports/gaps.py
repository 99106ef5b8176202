"""Service gaps: searches whose words found nothing, counted per local day. Only the words
are kept (lower-cased, spaces collapsed), never who searched, from where, or when exactly."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal import localtime
from portal.extensions import db
from portal.models import SearchMiss

MAX_WORDS = 200
# New word strings a day; beyond it only existing ones are counted, so a flood of random
# searches cannot grow the table without bound.
MAX_NEW_PER_DAY = 2000


def normalize(words: str) -> str:
    return " ".join(words.lower().split())[:MAX_WORDS]


def count_miss(words: str) -> None:
    """Count one search that found nothing. Committed on its own: it runs on a page that
    writes nothing else."""
    text = normalize(words)
    if not text:
        return
    day = localtime.today()
    bump = (
        update(SearchMiss)
        .where(SearchMiss.day == day, SearchMiss.words == text)
        .values(count=SearchMiss.count + 1)
    )
    if getattr(db.session.execute(bump), "rowcount", 0):
        db.session.commit()
        return
    today = db.session.scalar(select(func.count()).where(SearchMiss.day == day)) or 0
    if today >= MAX_NEW_PER_DAY:
        db.session.rollback()
        return
    try:
        with db.session.begin_nested():
            db.session.add(SearchMiss(day=day, words=text, count=1))
    except IntegrityError:  # another request added it first
        db.session.execute(bump)
    db.session.commit()
