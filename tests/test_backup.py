"""`flask backup PATH` / `flask restore PATH` on the suite's database (SQLite, or PostgreSQL
with TEST_DATABASE_URL): what was there at the backup comes back, what came after goes."""

from __future__ import annotations

import stat

import pytest
from sqlalchemy import select

from portal.models import Organization
from tests.factories import OrganizationFactory


@pytest.mark.fresh_database  # the commands work on the real, committed database
def test_backup_then_restore_brings_the_database_back(app, db, tmp_path):
    OrganizationFactory(name="Kept Services")
    db.session.commit()
    runner = app.test_cli_runner()
    path = tmp_path / "backups" / "portal.backup"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    OrganizationFactory(name="Added Later")
    db.session.commit()
    db.session.remove()
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    names = db.session.scalars(select(Organization.name)).all()
    assert names == ["Kept Services"]


def test_restore_of_a_missing_file_is_a_clear_error(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "none"), "--yes"])
    assert result.exit_code != 0 and "No backup file" in result.output
