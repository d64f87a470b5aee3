"""Configuration in one place: environment (prefix GUANGYING_) over an optional guangying.toml."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tasks.rules import DEFAULT_RULES, SHANGHAI

# The drivers the catalogue is installed with (psycopg 3 for PostgreSQL, the standard sqlite3).
CATALOGUE_DRIVERS = ("postgresql+psycopg", "sqlite", "sqlite+pysqlite")
CATALOGUE_URL_FORM = (
    "postgresql+psycopg://用户名:密码@主机:5432/数据库名 或 sqlite:////绝对路径/catalogue.sqlite3"
)
# What each setting expects, for the one sentence an operator reads when a value cannot be used.
EXPECTED: dict[str, str] = {
    "deadline": "ISO 8601 时间，如 2026-11-30T23:59:59+08:00 或 2026-11-30 23:59（不写时区按北京时间）",
    "clock": "ISO 8601 时间，如 2026-12-01T09:00:00+08:00（不写时区按北京时间）",
    "database_url": CATALOGUE_URL_FORM,
    "s3_secure": "true 或 false",
    "imap_ssl": "true 或 false",
    "imap_port": "端口号（整数），如 993",
    "task_runner": "thread 或 dask",
    "engines": "real 或 stand-in",
    "smtp_ssl": "true 或 false",
    "smtp_starttls": "true 或 false",
    "smtp_port": "端口号（整数），如 465",
    "outbox_from": "电子邮箱地址，如 cqdsspzb@163.com",
    "outbox_send_nightly": "true 或 false",
    "outbox_material_due": "ISO 8601 时间，如 2026-12-10T18:00+08:00（不写时区按北京时间）",
}


def make_url_safe(url: str) -> str:
    """The catalogue URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "无法解析的地址"


class CatalogueUrlError(ValueError):
    """A GUANGYING_DATABASE_URL that cannot be used; the message is for people."""


def check_catalogue_url(url: str) -> str:
    """The URL if the catalogue can be opened with it, else CatalogueUrlError saying what to write.

    A SQLite file is never created in a folder that does not exist: a typo in the path must not
    start a new, empty catalogue."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if url.startswith(("postgres://", "postgresql://")):
        scheme = url.split("://", 1)[0]
        raise CatalogueUrlError(
            f"地址以 {scheme}:// 开头，请改为 postgresql+psycopg://（本系统使用 psycopg 3 驱动）"
        )
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise CatalogueUrlError("无法解析这个数据库地址") from None
    if parsed.drivername not in CATALOGUE_DRIVERS:
        raise CatalogueUrlError(f"不支持的数据库类型“{parsed.drivername}”")
    if parsed.drivername.startswith("sqlite") and parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).expanduser().parent
        if not folder.is_dir():
            raise CatalogueUrlError(
                f"SQLite 文件所在的文件夹“{folder}”不存在（不会新建空的作品库），请检查路径"
            )
    return url


def describe_error(exc: ValidationError) -> str:
    """A configuration error as one Chinese sentence per setting: which, what was given, what is expected."""
    parts = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error.get("loc") else ""
        setting = f"GUANGYING_{name.upper()}" if name else "配置"
        given = error.get("input")
        shown = f"“{given}”" if isinstance(given, str) and name not in SECRET_FIELDS else ""
        reason = ""
        if isinstance((error.get("ctx") or {}).get("error"), CatalogueUrlError):
            reason = f"：{error['ctx']['error']}"
        expected = EXPECTED.get(name)
        parts.append(
            f"配置项 {setting} 的值{shown}无法使用{reason}" + (f"，应写成 {expected}" if expected else "")
        )
    return "；".join(parts) + "（环境变量或 guangying.toml）。"


SECRET_FIELDS = frozenset({"s3_secret_key", "imap_password", "smtp_password", "database_url"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GUANGYING_",
        toml_file="guangying.toml",
        extra="ignore",
    )

    # The embedded default keeps the SQLite catalogue and the local object store here.
    data_dir: Path = Path("var")
    # Overrides the SQLite file, e.g. postgresql+psycopg://user@host/guangying
    database_url: str | None = None

    # When an endpoint is set the MinIO/S3 store replaces the local folder.
    s3_endpoint: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    s3_secure: bool = True
    s3_region: str | None = None
    bucket_originals: str = "guangying-originals"
    bucket_evidence: str = "guangying-evidence"
    bucket_inbox: str = "guangying-inbox"
    bucket_published: str = "guangying-published"

    # Submission deadline (notice 五); configurable for late extensions.
    deadline: datetime = DEFAULT_RULES.deadline
    # A fixed "now" for the rules that depend on the time (Netdisk code expiry, the time of
    # ingestion as a last resort): replays of a past night and the test suite set it; unset, the
    # system clock. The deadline itself is judged on each package's own received time.
    clock: datetime | None = None
    # Who is at the terminal, for the records of operators' actions (default: the login name).
    operator: str | None = None

    # Where the assembled Whisper model and other caches live (defaults under data_dir).
    cache_dir: Path | None = None

    # How a screen-video run executes its tasks: "thread" (Prefect's default thread pool) or "dask"
    # (prefect_dask.DaskTaskRunner: a temporary LocalCluster, or the scheduler at dask_address,
    # e.g. tcp://10.0.0.5:8786, for one big machine or a cluster).
    task_runner: Literal["thread", "dask"] = "thread"
    # Which OCR/ASR engines the process builds: the real models, or stand-ins that read and hear
    # nothing (tasks/engines/stand_in.py), for runs about orchestration (tests' subprocesses, drills).
    engines: Literal["real", "stand-in"] = "real"
    dask_address: str | None = None

    # Intake sources (`guangying run`): a drop folder, the inbox bucket above, an IMAP mailbox.
    # None: the drop folder defaults to <data_dir>/inbox; IMAP is off until a host is set.
    drop_dir: Path | None = None
    imap_host: str | None = None
    imap_port: int | None = None  # None: 993 with TLS, 143 without
    imap_ssl: bool = True
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    # Name of a Prefect Secret block holding the IMAP password (used when imap_password is unset).
    imap_password_block: str | None = None
    imap_folder: str = "INBOX"

    # Outgoing mail (`guangying outbox send`, tasks/outbox): the contest's mailbox over SMTP, as for
    # IMAP. Off until a host is set. None port: 465 with SSL, 587 with STARTTLS, else 25.
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_ssl: bool = True
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    # Name of a Prefect Secret block holding the SMTP password (used when smtp_password is unset).
    smtp_password_block: str | None = None
    # The From of every message, and the domain of the Message-IDs the pipeline makes.
    outbox_from: str = DEFAULT_RULES.submission_mailbox
    # The nightly run's optional last step: send what a person has approved (never anything else).
    outbox_send_nightly: bool = False
    # Reminders: material still missing this many days before `outbox_material_due` (a date the
    # operator sets, e.g. for corrections), and a Netdisk link expiring within this many days.
    outbox_material_due: datetime | None = None
    outbox_reminder_days: int = 3
    # A packet larger than this is sent as a time-limited link instead of an attachment.
    outbox_attachment_limit_mb: float = 10.0

    @field_validator("deadline", "clock", "outbox_material_due")
    @classmethod
    def _beijing_when_naive(cls, value: datetime | None) -> datetime | None:
        """A time written without an offset is Beijing time, as the notice's are."""
        return value.replace(tzinfo=SHANGHAI) if value is not None and value.tzinfo is None else value

    @field_validator("database_url")
    @classmethod
    def _usable_catalogue_url(cls, value: str | None) -> str | None:
        return check_catalogue_url(value) if value else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls), file_secret_settings)

    def now(self) -> datetime:
        """The pipeline's clock: `clock` when set, else the system clock (aware, UTC)."""
        return self.clock.astimezone(UTC) if self.clock else datetime.now(UTC)

    def acting(self, operator: str | None) -> Settings:
        """These settings with `operator` as who acts (a Prefect form names them; a worker's login
        name is nobody's); blank: unchanged."""
        name = (operator or "").strip()
        return self.model_copy(update={"operator": name}) if name else self

    @property
    def operator_name(self) -> str:
        if self.operator:
            return self.operator
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return "未知操作员"

    @property
    def catalogue_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'catalogue.sqlite3').resolve()}"

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def resolved_drop_dir(self) -> Path:
        return self.drop_dir or self.data_dir / "inbox"

    @property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir or self.data_dir / "cache"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
