"""The city's population shares by race and ethnicity, set by an admin for the equity table."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, select

from portal import audit
from portal.extensions import db
from portal.models import PopulationShare, User


def current() -> dict[str, float]:
    return {row.race: row.share for row in db.session.scalars(select(PopulationShare))}


def replace(percentages: dict[str, Decimal | None], *, by: User) -> None:
    """Set every group's share from percentages (None: not set). Written together, so the
    table never mixes old and new shares."""
    db.session.execute(delete(PopulationShare))
    for race, percent in percentages.items():
        if percent is not None:
            db.session.add(
                PopulationShare(race=race, share=float(percent) / 100, updated_by_id=by.id)
            )
    audit.record("report.population_changed", actor=by)
