"""Opening the catalogue: engine, sessions and Alembic migrations to head."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

    from tasks.config import Settings

MIGRATIONS = files("tasks.catalogue") / "migrations" / "versions"


def head_revision() -> str:
    """The newest migration, without loading Alembic (0.6 s a command): revisions are numbered
    0001, 0002, … in one chain, each file named after its revision."""
    return max(
        entry.name.split("_", 1)[0]
        for entry in MIGRATIONS.iterdir()
        if entry.name[:4].isdigit() and entry.name.endswith(".py")
    )


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("tasks.catalogue") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (status, dashboards) never block the flow
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@lru_cache(maxsize=8)
def open_catalogue(url: str) -> Engine:
    """Engine for `url`, migrated to the newest schema (idempotent; safe to call per process)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    with engine.begin() as connection:
        if current_revision(connection) == head_revision():
            return engine  # routine commands: nothing to migrate, Alembic not even imported
        from alembic import command

        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session


def catalogue_session(settings: Settings) -> AbstractContextManager[Session]:
    """The one way every service opens the catalogue: the settings' database, migrated, one transaction."""
    return session_scope(open_catalogue(settings.catalogue_url))
