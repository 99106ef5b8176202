"""The catalog's version: one row, one number, raised in the same transaction as every change to
the catalog (portal/catalog/version.py), so every process can tell whether a page it rendered
earlier still shows the catalog as it is."""

from __future__ import annotations

from sqlalchemy import DDL, BigInteger, Integer, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model


class CatalogVersion(Model):
    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)


# The one row exists from the start, whether the table comes from a migration or create_all().
event.listen(
    CatalogVersion.__table__,
    "after_create",
    DDL("INSERT INTO catalog_version (id, version) VALUES (1, 0)"),
)
