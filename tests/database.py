"""The suite's database: one schema per test session, a rolled-back transaction per test.

tests/conftest.py says how tests use it; this module is the machinery.

- SuiteDatabase: per test session (per xdist worker) one database with the current schema:
  a SQLite file in the session's temporary folder, or two PostgreSQL schemas of their own in
  the TEST_DATABASE_URL database. Every transactional test runs on one shared connection.
- A transactional app's sessions, `db.engine.connect()` and `db.engine.begin()` all get that
  connection, inside a transaction the test never commits: commit() releases a savepoint,
  and the test's end rolls everything back (SQLAlchemy's "joining a session into an external
  transaction" with join_transaction_mode="create_savepoint").
- built_once: a fixture whose only effects are rows and the search index runs once; its rows
  stay in a transaction (a "layer") under each test's own, its index is copied for each test.
- A fresh database (marker `fresh_database`) is a real one that commits: a copy of an empty
  SQLite file, or a PostgreSQL schema emptied after the test.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import shutil
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import object_session

import portal.models  # noqa: F401  (every table in the metadata)
from portal import create_app
from portal.config import ENGINE_OPTIONS
from portal.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
FRESH_MARKER = "fresh_database"
SECRET_KEY = "test-secret-key"


def app_config(database_url: str, folder: Path) -> dict:
    return {
        "PORTAL_ENV": "testing",
        "SECRET_KEY": SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PORTAL_SEARCH_INDEX_DIR": str(folder / "search_index"),
        "PORTAL_HSDS_DOWNLOAD_PATH": str(folder / "hsds-datapackage.zip"),
    }


def _in_schema(url: str, schema: str) -> str:
    """The URL with `schema` first on PostgreSQL's search path, for this process and for any
    process it starts with the URL (psycopg passes `options` to the server)."""
    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


def _savepoints_on_sqlite(engine: Engine) -> None:
    """pysqlite begins transactions on its own and not before SAVEPOINT; let SQLAlchemy
    do it, as SQLAlchemy's SQLite documentation says, so savepoints nest properly."""

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


# --- transactions in layers ------------------------------------------------------------------


@dataclass
class Level:
    """A transaction the suite rolls back: the connection's outer transaction (when nothing
    below holds one) and a savepoint on top, so every session joining the connection
    makes a savepoint of its own and never ends the outer transaction."""

    outer: sa.engine.RootTransaction | None
    savepoint: sa.engine.NestedTransaction

    @property
    def intact(self) -> bool:
        return self.savepoint.is_active and (self.outer is None or self.outer.is_active)


@dataclass(eq=False)
class BuiltOnce:
    """A @built_once fixture: how to build it, and the layer holding it while built."""

    build: Callable
    name: str
    module: str
    path: Path
    level: Level | None = None
    recipe: object = None
    index: Path | None = None


_built_once: dict[str, list[BuiltOnce]] = defaultdict(list)
suite: SuiteDatabase | None = None  # this session's, set by the suite_database fixture


def built_once(build: Callable):
    """Turn a fixture whose only effects are database rows and the search index into one
    built once and rolled back after each test (see tests/conftest.py for the rules).

    The function takes `db` and/or `app` (an app of its own, not the test's) and returns
    plain values, model instances, or dicts/lists/tuples/dataclasses of them; each test
    gets the instances loaded again in its own session.
    """
    parameters = set(inspect.signature(build).parameters)
    if not parameters <= {"app", "db"}:
        raise TypeError(f"@built_once {build.__name__} may take only `app` and `db`")
    spec = BuiltOnce(
        build=build,
        name=build.__name__,
        module=build.__module__,
        path=Path(inspect.getfile(build)).resolve(),
    )
    _built_once[spec.name].append(spec)

    @pytest.fixture(name=spec.name)
    def fixture(request, app, suite_database):
        return suite_database.value_of(spec, app, request)

    fixture.__doc__ = build.__doc__
    return fixture


def built_once_requested(request_or_item) -> list[BuiltOnce]:
    """The @built_once fixtures a test uses, resolved as pytest resolves fixture names:
    the test's own module first, then the nearest conftest.py above it."""
    module = request_or_item.module.__name__
    path = Path(str(request_or_item.path)).resolve()
    wanted = []
    for name in request_or_item.fixturenames:
        candidates = _built_once.get(name)
        if not candidates:
            continue
        own = [spec for spec in candidates if spec.module == module]
        above = [
            spec
            for spec in candidates
            if spec.path.name == "conftest.py" and path.is_relative_to(spec.path.parent)
        ]
        above.sort(key=lambda spec: len(spec.path.parts))
        chosen = own[-1:] or above[-1:]
        wanted += chosen
    return wanted


@dataclass(frozen=True)
class _Row:
    """A model instance in a built_once value, loaded again in each test's session."""

    model: type
    identity: tuple


def _walk(value, leaf: Callable):
    """The value with leaf() applied to everything inside dicts, lists, tuples and
    dataclasses."""
    value = leaf(value)
    if isinstance(value, dict):
        return type(value)((key, _walk(item, leaf)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_walk(item, leaf) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [f.name for f in dataclasses.fields(value) if f.init]
        return dataclasses.replace(value, **{f: _walk(getattr(value, f), leaf) for f in fields})
    return value


def _freeze(value):
    if hasattr(type(value), "__mapper__") and object_session(value) is not None:
        return _Row(type(value), sa.inspect(value).identity)
    return value


def _thaw(value):
    return db.session.get(value.model, value.identity) if isinstance(value, _Row) else value


# --- the database ----------------------------------------------------------------------------


@dataclass
class SuiteDatabase:
    folder: Path
    url: str = ""
    fresh_url: str = ""  # PostgreSQL: the schema fresh-database tests share, emptied after each
    engine: Engine | None = None
    _connection: Connection | None = None
    _thread: int = field(default_factory=threading.get_ident)
    _layers: list[BuiltOnce] = field(default_factory=list)
    _transactional_apps: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        if TEST_DATABASE_URL:
            self.url = _in_schema(TEST_DATABASE_URL, f"suite_{WORKER}")
            self.fresh_url = _in_schema(TEST_DATABASE_URL, f"suite_{WORKER}_fresh")
            self._postgres_schemas("DROP SCHEMA IF EXISTS {} CASCADE; CREATE SCHEMA {}")
            for url in (self.url, self.fresh_url):
                self._create_tables(url)
        else:
            self._empty_sqlite = self.folder / "empty.db"
            self._create_tables(f"sqlite:///{self._empty_sqlite}")
            shutil.copyfile(self._empty_sqlite, self.folder / "suite.db")
            self.url = f"sqlite:///{self.folder / 'suite.db'}"
        self.engine = sa.create_engine(self.url, hide_parameters=ENGINE_OPTIONS["hide_parameters"])
        if self.engine.dialect.name == "sqlite":
            _savepoints_on_sqlite(self.engine)
        # db.session joins a connection already in a transaction with a savepoint of its own;
        # on a connection of its own (a fresh database) it begins a transaction as usual.
        db.session.session_factory.configure(join_transaction_mode="create_savepoint")

    def _postgres_schemas(self, statement: str) -> None:
        admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for schema in (f"suite_{WORKER}", f"suite_{WORKER}_fresh"):
                connection.exec_driver_sql(statement.format(f'"{schema}"', f'"{schema}"'))
        admin.dispose()

    @staticmethod
    def _create_tables(url: str) -> None:
        engine = sa.create_engine(url)
        if engine.dialect.name == "sqlite":
            _savepoints_on_sqlite(engine)  # one transaction, not one commit per table
        db.metadata.create_all(engine)
        engine.dispose()

    def close(self) -> None:
        self._roll_back_layers(0)
        if self._connection is not None:
            Connection.close(self._connection)
        self.engine.dispose()
        if TEST_DATABASE_URL:
            self._postgres_schemas("DROP SCHEMA IF EXISTS {} CASCADE")

    # --- the shared connection ---

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            connection = self.engine.connect()
            # Whoever asks the engine for a connection gets this one, already in the test's
            # transaction: begin() makes a savepoint, close() and commit() leave it open.
            connection.begin = connection.begin_nested
            connection.close = lambda: None
            connection.commit = lambda: None
            connection.rollback = _refuse_rollback
            self.engine.connect = self._connect
            self._connection = connection
        return self._connection

    def _connect(self) -> Connection:
        if threading.get_ident() != self._thread:
            raise RuntimeError(
                "a transactional test used the database from another thread, which cannot "
                "see the test's uncommitted rows: mark the test @pytest.mark.fresh_database"
            )
        return self._connection

    def _open_level(self) -> Level:
        connection = self.connection
        outer = None if connection.in_transaction() else Connection.begin(connection)
        return Level(outer, connection.begin_nested())

    def _close_level(self, level: Level) -> None:
        connection = self.connection
        if level.savepoint.is_active:  # and whatever sessions left open above it
            while (inner := connection.get_nested_transaction()) is not None:
                inner.rollback()
                if inner is level.savepoint:
                    break
        if level.outer is not None and level.outer.is_active:
            level.outer.rollback()

    # --- apps ---

    def attach(self, app: Flask) -> None:
        """Give the app's sessions and engine the shared connection (in an app context)."""
        engines = db.engines
        engines[None].dispose()
        engines[None] = self.engine  # type: ignore[index]
        self._transactional_apps.add(id(app))

    def is_transactional(self, app: Flask) -> bool:
        return id(app) in self._transactional_apps

    def begin_test(self, app: Flask, wanted: list[BuiltOnce]) -> Level:
        """Layers for the test's built_once fixtures, then the test's own transaction."""
        if any(not layer.level.intact for layer in self._layers):
            self._layers.clear()  # something ended the outer transaction: build again
        keep = 0
        while (
            keep < len(self._layers) and keep < len(wanted) and self._layers[keep] is wanted[keep]
        ):
            keep += 1
        self._roll_back_layers(keep)
        for spec in wanted[keep:]:
            self._build_layer(spec)
        if self._layers:
            _copy_index(self._layers[-1].index, Path(app.config["PORTAL_SEARCH_INDEX_DIR"]))
        return self._open_level()

    def end_test(self, app: Flask, level: Level) -> None:
        self._close_level(level)
        self._transactional_apps.discard(id(app))

    def _roll_back_layers(self, keep: int) -> None:
        while len(self._layers) > keep:
            layer = self._layers.pop()
            if layer.level is not None and self._connection is not None:
                self._close_level(layer.level)
            layer.level = layer.recipe = None

    def _build_layer(self, spec: BuiltOnce) -> None:
        folder = self.folder / "built_once" / f"{len(self._layers)}-{spec.name}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        app = create_app(app_config(self.url, folder))
        if self._layers:  # a layer above another starts from the other's index
            _copy_index(self._layers[-1].index, Path(app.config["PORTAL_SEARCH_INDEX_DIR"]))
        spec.level = self._open_level()
        self._layers.append(spec)
        with app.app_context():
            self.attach(app)
            value = spec.build(**_arguments(spec.build, app))
            db.session.commit()
            spec.recipe = _walk(value, _freeze)
        self._transactional_apps.discard(id(app))
        spec.index = Path(app.config["PORTAL_SEARCH_INDEX_DIR"])

    def value_of(self, spec: BuiltOnce, app: Flask, request) -> object:
        if not self.is_transactional(app):  # a fresh database: build it right here
            value = spec.build(**_arguments(spec.build, app))
            db.session.commit()
            return value
        assert spec in self._layers, f"{spec.name} was not built for {request.node.nodeid}"
        return _walk(spec.recipe, _thaw)

    # --- fresh databases ---

    def fresh_url_for(self, folder: Path) -> str:
        if TEST_DATABASE_URL:
            return self.fresh_url
        path = folder / "test.db"
        shutil.copyfile(self._empty_sqlite, path)
        return f"sqlite:///{path}"


def _arguments(build: Callable, app: Flask) -> dict:
    available = {"app": app, "db": db}
    return {name: available[name] for name in inspect.signature(build).parameters}


def _copy_index(source: Path | None, target: Path) -> None:
    if source is not None and source.is_dir():
        shutil.copytree(source, target, symlinks=True)


def _refuse_rollback() -> None:
    raise RuntimeError(
        "Connection.rollback() would end the whole test transaction; use a session or "
        "`with db.engine.begin()`, or mark the test @pytest.mark.fresh_database"
    )


def release_database() -> None:
    """At the end of a fresh-database app's test (in its app context): empty a shared
    PostgreSQL schema, which keeps its tables for the next test, and close the connections."""
    db.session.remove()
    if suite is not None and suite.is_transactional(current_app):
        return  # the test's transaction is rolled back by the app fixture
    if db.engine.dialect.name == "postgresql":
        db.metadata.create_all(db.engine)  # a test may have dropped tables
        # TRUNCATE, not DELETE: the append-only tables refuse DELETE (a trigger).
        tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {tables}")
    db.engine.dispose()
