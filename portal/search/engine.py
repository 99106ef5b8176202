"""Index building and querying."""
from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from whoosh import index as whoosh_index
from whoosh import qparser
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.sorting import FieldFacet, ScoreFacet

from portal.catalog import vocabulary
from portal.extensions import db
from portal.models import Service
from portal.models.catalog import PUBLIC_STATUSES, ServiceStatus

log = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
# Words only: query-syntax characters from the public are treated as spaces, never as syntax.
_NOT_WORD = re.compile(r"[^\w'\-]+", re.UNICODE)
_SEARCH_FIELDS = ("name", "categories", "organization", "description", "eligibility")
_FIELD_BOOSTS = {"name": 3.0, "categories": 2.5, "organization": 1.5, "description": 1.0,
                 "eligibility": 0.8}


def _schema() -> Schema:
    analyzer = StemmingAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        name=TEXT(analyzer=analyzer, field_boost=_FIELD_BOOSTS["name"]),
        categories=TEXT(analyzer=analyzer, field_boost=_FIELD_BOOSTS["categories"]),
        organization=TEXT(analyzer=analyzer, field_boost=_FIELD_BOOSTS["organization"]),
        description=TEXT(analyzer=analyzer),
        eligibility=TEXT(analyzer=analyzer, field_boost=_FIELD_BOOSTS["eligibility"]),
        # 0 for open services, 1 for temporarily closed: they sort last.
        closed_rank=NUMERIC(sortable=True),
    )


@dataclass
class SearchPage:
    query: str
    service_ids: list[str] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20
    available: bool = True

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    # The same names as a Flask-SQLAlchemy page, so one pagination macro serves both.
    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _document(service: Service) -> dict:
    categories = [
        a.taxonomy_term.name for a in service.attributes if a.link_type == vocabulary.CATEGORY_LINK
    ]
    return {
        "id": service.id,
        "name": " ".join(filter(None, (service.name, service.alternate_name))),
        "categories": " ".join(categories),
        "organization": service.organization.name,
        "description": service.description or "",
        "eligibility": service.eligibility_description or "",
        "closed_rank": int(service.status == ServiceStatus.temporarily_closed.value),
    }


def _root() -> Path:
    return Path(current_app.config["PORTAL_SEARCH_INDEX_DIR"])


def rebuild_index(batch_size: int = 1000) -> int:
    """Index every public service into a new folder and swap it in; returns the count."""
    root = _root()
    builds = root / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    target = builds / f"{time.time_ns()}"
    target.mkdir()
    ix = whoosh_index.create_in(str(target), _schema())
    count = 0
    with ix.writer(limitmb=256) as writer:
        last_id = ""
        while True:
            batch = list(
                db.session.scalars(
                    select(Service)
                    .where(Service.status.in_(PUBLIC_STATUSES), Service.id > last_id)
                    .options(selectinload(Service.organization), selectinload(Service.attributes))
                    .order_by(Service.id)
                    .limit(batch_size)
                )
            )
            if not batch:
                break
            for service in batch:
                writer.add_document(**_document(service))
            count += len(batch)
            last_id = batch[-1].id
            db.session.expunge_all()
    _point_current_at(root, target)
    return count


def _point_current_at(root: Path, target: Path) -> None:
    link = root / "current"
    previous = link.resolve() if link.is_symlink() else None
    temporary = root / f".current-{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(target.relative_to(root))
    os.replace(temporary, link)  # atomic: readers see the old index or the new one
    if previous is not None and previous != target.resolve():
        shutil.rmtree(previous, ignore_errors=True)


class _SearcherCache:
    """One open searcher per process and index folder, reopened when the index changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[str, object, object]] = {}

    def searcher(self, root: Path):
        link = root / "current"
        if not link.is_symlink():
            return None
        target = str(link.resolve())
        with self._lock:
            entry = self._entries.get(str(root))
            if entry and entry[0] == target:
                _, ix, searcher = entry
                if ix.latest_generation() == searcher.ixreader.generation():
                    return searcher
            ix = whoosh_index.open_dir(target)
            searcher = ix.searcher()
            if entry:
                entry[2].close()
            self._entries[str(root)] = (target, ix, searcher)
            return searcher


_cache = _SearcherCache()


def clean_query(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text[: MAX_QUERY_LENGTH * 2]).split())[:MAX_QUERY_LENGTH]


def search_services(text: str, page: int = 1, per_page: int = 20) -> SearchPage:
    words = clean_query(text)
    result = SearchPage(query=words, page=page, per_page=per_page)
    if not words:
        return result
    try:
        searcher = _cache.searcher(_root())
    except (OSError, whoosh_index.IndexError):
        log.exception("search index could not be opened")
        searcher = None
    if searcher is None:
        result.available = False
        return result
    parser = qparser.MultifieldParser(
        _SEARCH_FIELDS, schema=searcher.schema, group=qparser.OrGroup.factory(0.9)
    )
    for plugin in (qparser.WildcardPlugin, qparser.RangePlugin, qparser.FieldsPlugin,
                   qparser.BoostPlugin, qparser.PhrasePlugin, qparser.GroupPlugin,
                   qparser.OperatorsPlugin):
        parser.remove_plugin_class(plugin)
    query = parser.parse(words)
    hits = searcher.search_page(
        query, page, pagelen=per_page, sortedby=[FieldFacet("closed_rank"), ScoreFacet()]
    )
    result.total = hits.total
    result.service_ids = [hit["id"] for hit in hits] if hits.pagenum == page else []
    return result
