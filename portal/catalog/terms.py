"""Managing the taxonomy: add, rename, move and merge terms without losing the services filed
under them (services are linked to terms by `attribute` rows)."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.catalog import queries, vocabulary
from portal.extensions import db
from portal.models import Attribute, TaxonomyTerm
from portal.translated import gettext as _


class TermError(ValueError):
    """A change that would break the taxonomy; the message says why."""


def all_terms() -> list[TaxonomyTerm]:
    """Every term, each followed by its children (depth-first), for the admin page."""
    terms = db.session.scalars(select(TaxonomyTerm).order_by(TaxonomyTerm.name)).all()
    children: dict[str | None, list[TaxonomyTerm]] = {}
    for term in terms:
        children.setdefault(term.parent_id, []).append(term)
    ordered: list[TaxonomyTerm] = []

    def walk(parent_id):
        for term in children.get(parent_id, []):
            ordered.append(term)
            walk(term.id)

    walk(None)
    return ordered


def fileable_terms(taxonomy_id: str) -> list[TaxonomyTerm]:
    """The terms of a taxonomy a service can be filed under: group headings only in the
    categories, where services may sit at either level; in the details, only their terms."""
    found = db.session.scalars(
        select(TaxonomyTerm).where(TaxonomyTerm.taxonomy_id == taxonomy_id)
    ).all()
    if taxonomy_id == vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID:
        return list(found)
    parents = {t.parent_id for t in found if t.parent_id}
    return [t for t in found if t.id not in parents]


def depth(term: TaxonomyTerm) -> int:
    level, seen = 0, term
    while seen.parent is not None and level < 20:
        seen, level = seen.parent, level + 1
    return level


def service_counts() -> dict[str, int]:
    counts = db.session.execute(
        select(Attribute.taxonomy_term_id, func.count())
        .where(Attribute.link_entity == "service")
        .group_by(Attribute.taxonomy_term_id)
    )
    return dict(counts.tuples().all())


def _check_parent(term: TaxonomyTerm | None, parent: TaxonomyTerm | None) -> None:
    if parent is None or term is None:
        return
    if parent.id in queries.term_and_descendant_ids(term):
        raise TermError(_("A term cannot go under itself or one of its own sub-terms."))


def add(name: str, parent: TaxonomyTerm | None) -> TaxonomyTerm:
    term = TaxonomyTerm(
        name=name,
        description="",
        parent=parent,
        taxonomy_id=parent.taxonomy_id if parent else vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID,
    )
    db.session.add(term)
    return term


def _check_same_taxonomy(term: TaxonomyTerm, other: TaxonomyTerm | None) -> None:
    # Services link to categories and to details differently (attribute.link_type).
    if other is not None and other.taxonomy_id != term.taxonomy_id:
        raise TermError(_("Move a term only within its own taxonomy."))


def rename_and_move(term: TaxonomyTerm, name: str, parent: TaxonomyTerm | None) -> None:
    _check_parent(term, parent)
    _check_same_taxonomy(term, parent)
    term.name = name
    term.parent = parent


def merge(source: TaxonomyTerm, target: TaxonomyTerm) -> int:
    """Move every link and sub-term of `source` to `target`, then delete `source`.
    Returns how many services moved; a service already under `target` keeps one link."""
    if target.id in queries.term_and_descendant_ids(source):
        raise TermError(_("Merge into a term that is not this one or one of its sub-terms."))
    _check_same_taxonomy(source, target)
    moved = 0
    existing = {
        (row.link_id, row.link_entity, row.link_type)
        for row in db.session.execute(
            select(Attribute.link_id, Attribute.link_entity, Attribute.link_type).where(
                Attribute.taxonomy_term_id == target.id
            )
        )
    }
    for attribute in db.session.scalars(
        select(Attribute).where(Attribute.taxonomy_term_id == source.id)
    ):
        key = (attribute.link_id, attribute.link_entity, attribute.link_type)
        if key in existing:
            db.session.delete(attribute)
        else:
            attribute.taxonomy_term_id = target.id
            existing.add(key)
            moved += attribute.link_entity == "service"
    for child in list(source.children):
        child.parent = target
    db.session.flush()
    db.session.delete(source)
    return moved
