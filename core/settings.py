"""Settings read once from the environment, with defaults that run a demo on a laptop."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core.lists.limits import SETTING_NAMES, ListLimits

DEFAULT_DATA_DIR = Path.cwd() / "var"


class SettingsError(ValueError):
    """A setting has a value the app cannot use."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} has value {raw!r}. Not a whole number.") from None
    if value <= 0:
        raise SettingsError(f"{name} has value {raw!r}. It must be above 0.")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} has value {raw!r}. Not a number of seconds.") from None
    if not value > 0:
        raise SettingsError(f"{name} has value {raw!r}. It must be above 0.")
    return value


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw not in ("0", "1"):
        raise SettingsError(f"{name} has value {raw!r}. Use 1 (on) or 0 (off).")
    return raw == "1"


@dataclass(frozen=True, slots=True)
class JwtSettings:
    """Signed JWTs from an identity provider, accepted beside the CLI's bearer tokens."""

    issuer: str
    audience: str
    keys_file: Path  # a JWKS (JSON) or a PEM public key
    role_claim: str = "jtai_role"
    agency_claim: str = "jtai_agency_id"
    # An inspector is found by the token's email only if the provider says it verified it.
    require_email_verified: bool = True


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = field(default_factory=lambda: f"sqlite:///{DEFAULT_DATA_DIR / 'jtai.db'}")
    production: bool = False
    max_page_size: int = 100
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_query_cost: int = 200_000
    max_fragment_nesting: int = 50
    max_json_nesting: int = 64
    max_body_bytes: int = 1_000_000
    max_upload_bytes: int = 50_000_000
    # QUERY problems kept per accepted list (and summary groups per list); the summary counts all.
    max_list_queries: int = 1000
    storage_dir: Path = field(default_factory=lambda: DEFAULT_DATA_DIR / "documents")
    # Where documents' bytes go: "database" or "local" (files under storage_dir); None chooses the
    # database on PostgreSQL and local files on SQLite (core/workflow/storage.py).
    document_store: str | None = None
    # How old a leftover of an upload must be before a sweep removes it: younger ones may still be
    # in progress.
    sweep_grace_seconds: int = 600
    list_limits: ListLimits = field(default_factory=ListLimits)
    jwt: JwtSettings | None = None
    # The plain-field executor (core/graphql/execution.py); off chooses strawberry's stock one,
    # a kill switch should a release of either library break it in a way no test caught.
    plain_execution: bool = True
    # A request body has this long, plus a second for each body_min_bytes_per_second received.
    body_read_timeout: int = 10
    body_min_bytes_per_second: int = 10_000
    max_uploads_per_token: int = 4  # multipart requests of one token in progress at once
    sqlite_busy_timeout_ms: int = 5000  # how long a SQLite write waits for another's lock
    # /readyz: not ready when no connection slot came free for this long, or the database
    # did not answer its probe in ready_probe_timeout seconds.
    ready_max_busy_seconds: int = 10
    ready_probe_timeout: int = 2
    # Origins whose pages may call the API from a browser (CORS); none by default.
    cors_origins: tuple[str, ...] = ()
    # Persisted queries (core/persisted.py): how many APQ documents the LRU cache keeps; the
    # trusted documents manifest; whether only its operations run (None: in production, once a
    # manifest is set).
    apq_cache_size: int = 1000
    trusted_documents: Path | None = None
    trusted_documents_only: bool | None = None
    # Days child-level data is kept after an inspection's letter is published (core/retention.py);
    # None (the default) purges nothing.
    retention_days_after_letter: int | None = None
    # GraphQL subscriptions (core/graphql/subscriptions.py, core/events.py): open subscriptions
    # per token and per worker process; events waiting for one slow subscriber before it is
    # disconnected; the server's keep-alive ping interval; how often a SQLite process looks for
    # new events (PostgreSQL is told by NOTIFY); how often deadlines are checked for OVERDUE.
    subscriptions_per_token: int = 10
    subscriptions_per_process: int = 1000
    subscription_queue_size: int = 1000
    subscription_keepalive_seconds: float = 15.0
    subscription_poll_seconds: float = 0.25
    overdue_check_seconds: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        mode = env.get("JTAI_ENV", "development")
        if mode not in ("development", "production"):
            raise SettingsError(
                f"JTAI_ENV has value {mode!r}. Not a valid mode: use 'development' or 'production'."
            )
        defaults = cls()
        store = env.get("JTAI_DOCUMENT_STORE") or None
        if store not in (None, "database", "local"):
            raise SettingsError(
                f"JTAI_DOCUMENT_STORE has value {store!r}. Use 'database' or 'local', or leave it "
                "unset for the database on PostgreSQL and local files on SQLite."
            )
        return cls(
            database_url=env.get("JTAI_DATABASE_URL", defaults.database_url),
            production=mode == "production",
            max_page_size=_int(env, "JTAI_MAX_PAGE_SIZE", defaults.max_page_size),
            max_query_depth=_int(env, "JTAI_MAX_QUERY_DEPTH", defaults.max_query_depth),
            max_aliases=_int(env, "JTAI_MAX_ALIASES", defaults.max_aliases),
            max_tokens=_int(env, "JTAI_MAX_TOKENS", defaults.max_tokens),
            max_query_cost=_int(env, "JTAI_MAX_QUERY_COST", defaults.max_query_cost),
            max_fragment_nesting=_int(
                env, "JTAI_MAX_FRAGMENT_NESTING", defaults.max_fragment_nesting
            ),
            max_json_nesting=_int(env, "JTAI_MAX_JSON_NESTING", defaults.max_json_nesting),
            max_body_bytes=_int(env, "JTAI_MAX_BODY_BYTES", defaults.max_body_bytes),
            max_upload_bytes=_int(env, "JTAI_MAX_UPLOAD_BYTES", defaults.max_upload_bytes),
            max_list_queries=_int(env, "JTAI_MAX_LIST_QUERIES", defaults.max_list_queries),
            storage_dir=Path(env.get("JTAI_STORAGE_DIR", str(defaults.storage_dir))),
            document_store=store,
            sweep_grace_seconds=_int(env, "JTAI_SWEEP_GRACE_SECONDS", defaults.sweep_grace_seconds),
            list_limits=_list_limits(env),
            jwt=_jwt(env),
            plain_execution=_switch(env, "JTAI_PLAIN_EXECUTION", defaults.plain_execution),
            body_read_timeout=_int(env, "JTAI_BODY_READ_TIMEOUT", defaults.body_read_timeout),
            body_min_bytes_per_second=_int(
                env, "JTAI_BODY_MIN_BYTES_PER_SECOND", defaults.body_min_bytes_per_second
            ),
            max_uploads_per_token=_int(
                env, "JTAI_MAX_UPLOADS_PER_TOKEN", defaults.max_uploads_per_token
            ),
            sqlite_busy_timeout_ms=_int(
                env, "JTAI_SQLITE_BUSY_TIMEOUT_MS", defaults.sqlite_busy_timeout_ms
            ),
            ready_max_busy_seconds=_int(
                env, "JTAI_READY_MAX_BUSY_SECONDS", defaults.ready_max_busy_seconds
            ),
            ready_probe_timeout=_int(env, "JTAI_READY_PROBE_TIMEOUT", defaults.ready_probe_timeout),
            cors_origins=_origins(env, "JTAI_CORS_ORIGINS"),
            apq_cache_size=_int(env, "JTAI_APQ_CACHE_SIZE", defaults.apq_cache_size),
            trusted_documents=Path(env["JTAI_TRUSTED_DOCUMENTS"])
            if env.get("JTAI_TRUSTED_DOCUMENTS")
            else None,
            trusted_documents_only=_switch(env, "JTAI_TRUSTED_DOCUMENTS_ONLY", False)
            if env.get("JTAI_TRUSTED_DOCUMENTS_ONLY")
            else None,
            subscriptions_per_token=_int(
                env, "JTAI_SUBSCRIPTIONS_PER_TOKEN", defaults.subscriptions_per_token
            ),
            subscriptions_per_process=_int(
                env, "JTAI_SUBSCRIPTIONS_PER_PROCESS", defaults.subscriptions_per_process
            ),
            subscription_queue_size=_int(
                env, "JTAI_SUBSCRIPTION_QUEUE_SIZE", defaults.subscription_queue_size
            ),
            subscription_keepalive_seconds=_seconds(
                env, "JTAI_SUBSCRIPTION_KEEPALIVE_SECONDS", defaults.subscription_keepalive_seconds
            ),
            subscription_poll_seconds=_seconds(
                env, "JTAI_SUBSCRIPTION_POLL_SECONDS", defaults.subscription_poll_seconds
            ),
            overdue_check_seconds=_seconds(
                env, "JTAI_OVERDUE_CHECK_SECONDS", defaults.overdue_check_seconds
            ),
            retention_days_after_letter=(
                _int(env, "JTAI_RETENTION_DAYS_AFTER_LETTER", 1)
                if env.get("JTAI_RETENTION_DAYS_AFTER_LETTER")
                else None
            ),
        )


def _origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated allow-list of origins such as ``https://ui.example.org``."""
    origins = tuple(
        part.strip().rstrip("/") for part in env.get(name, "").split(",") if part.strip()
    )
    for origin in origins:
        scheme, _, rest = origin.partition("://")
        if scheme not in ("http", "https") or not rest or "/" in rest or origin == "*":
            raise SettingsError(
                f"{name} has value {origin!r}. Not an origin: give scheme, host and optional "
                "port, such as 'https://ui.example.org' or 'http://localhost:5173'."
            )
    return origins


def _list_limits(env: Mapping[str, str]) -> ListLimits:
    defaults = ListLimits()
    return ListLimits(
        **{
            name: _int(env, variable, getattr(defaults, name))
            for name, variable in SETTING_NAMES.items()
        }
    )


def _jwt(env: Mapping[str, str]) -> JwtSettings | None:
    names = ("JTAI_JWT_ISSUER", "JTAI_JWT_AUDIENCE", "JTAI_JWT_KEYS_FILE")
    given = [name for name in names if env.get(name)]
    if not given:
        return None
    if len(given) != len(names):
        missing = ", ".join(n for n in names if n not in given)
        raise SettingsError(f"JWT sign-in needs all of {', '.join(names)}; missing {missing}.")
    keys_file = Path(env["JTAI_JWT_KEYS_FILE"])
    if not keys_file.is_file():
        raise SettingsError(f"JTAI_JWT_KEYS_FILE has value {str(keys_file)!r}. No such file.")
    return JwtSettings(
        issuer=env["JTAI_JWT_ISSUER"],
        audience=env["JTAI_JWT_AUDIENCE"],
        keys_file=keys_file,
        role_claim=env.get("JTAI_JWT_ROLE_CLAIM", "jtai_role"),
        agency_claim=env.get("JTAI_JWT_AGENCY_CLAIM", "jtai_agency_id"),
        require_email_verified=_switch(env, "JTAI_JWT_REQUIRE_EMAIL_VERIFIED", True),
    )
