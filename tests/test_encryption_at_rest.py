"""Client notes, phones and dates of birth are ciphertext in the database (issue 18.9): the
plaintext is not in the SQLite file, `keys rotate` moves every value to a new key, and the
SQLite file is created readable by its owner only."""

from __future__ import annotations

import datetime as dt
import stat

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from portal import create_app
from portal.extensions import db as _db
from portal.models import Client, Encounter
from portal.models.encrypted import KeyError_
from tests.factories import ClientFactory, ReferralFactory

PHONE, NOTE, DOB = "703-555-0199", "Disclosed suicidal ideation", dt.date(1987, 3, 14)
ENCOUNTER_NOTE, REFERRAL_NOTE = "Met under the bridge", "Needs evening appointments"


def make_records(db) -> Client:
    client = ClientFactory(name="Rowan Example", phone=PHONE, notes=NOTE, date_of_birth=DOB)
    db.session.add(
        Encounter(
            client=client,
            occurred_at=dt.datetime.now(dt.UTC),
            source="outreach",
            disposition="resolved",
            notes=ENCOUNTER_NOTE,
        )
    )
    ReferralFactory(client=client, note=REFERRAL_NOTE)
    db.session.commit()
    return client


def raw(db, table: str, column: str) -> list[str]:
    return list(db.session.execute(text(f"SELECT {column} FROM {table}")).scalars())


def test_client_fields_are_ciphertext_in_the_database_and_plain_in_the_app(app, db):
    client = make_records(db)
    for table, column in [
        ("client", "phone"),
        ("client", "notes"),
        ("client", "date_of_birth"),
        ("encounter", "notes"),
        ("referral", "note"),
    ]:
        (stored,) = raw(db, table, column)
        assert stored.startswith("gAAAAA"), (table, column)
    assert raw(db, "client", "name") == ["Rowan Example"]  # names stay searchable
    db.session.expire_all()
    again = db.session.get(Client, client.id)
    assert (again.phone, again.notes, again.date_of_birth) == (PHONE, NOTE, DOB)
    assert again.encounters[0].notes == ENCOUNTER_NOTE
    assert again.referrals[0].note == REFERRAL_NOTE


def test_the_plaintext_is_not_in_the_sqlite_file(tmp_path):
    path = tmp_path / "portal.db"
    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "PORTAL_SEARCH_INDEX_DIR": str(tmp_path / "ix"),
        }
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # created private, before any table
    with app.app_context():
        _db.create_all()
        make_records(_db)
        _db.session.remove()
        _db.engine.dispose()
    content = path.read_bytes()
    for secret in (PHONE, NOTE, DOB.isoformat(), ENCOUNTER_NOTE, REFERRAL_NOTE, "ideation"):
        assert secret.encode() not in content, secret
    assert b"Rowan Example" in content  # the test can see plaintext where there is some


def test_keys_rotate_moves_every_value_to_the_new_key(app, db):
    old = app.config["PORTAL_DATA_KEYS"]
    client = make_records(db)
    new = Fernet.generate_key().decode()
    app.config["PORTAL_DATA_KEYS"] = f"{new},{old}"
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 5 values" in result.output
    app.config["PORTAL_DATA_KEYS"] = new  # the old key is gone
    db.session.expire_all()
    again = db.session.get(Client, client.id)
    assert (again.phone, again.notes, again.date_of_birth) == (PHONE, NOTE, DOB)
    app.config["PORTAL_DATA_KEYS"] = Fernet.generate_key().decode()  # a wrong key
    db.session.expire_all()
    with pytest.raises(KeyError_):
        db.session.get(Client, client.id).phone  # noqa: B018


def test_values_written_before_encryption_are_read_then_encrypted_by_rotate(app, db):
    client = make_records(db)
    db.session.execute(
        text("UPDATE client SET phone = '703-555-0100', date_of_birth = '1990-01-02'")
    )
    db.session.expire_all()
    assert db.session.get(Client, client.id).phone == "703-555-0100"
    assert app.test_cli_runner().invoke(args=["keys", "rotate"]).exit_code == 0
    assert raw(db, "client", "phone")[0].startswith("gAAAAA")
    db.session.expire_all()
    assert db.session.get(Client, client.id).date_of_birth == dt.date(1990, 1, 2)
