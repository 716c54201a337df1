"""Settings read once from the environment, with defaults that run a demo on a laptop."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass(frozen=True, slots=True)
class JwtSettings:
    """Signed JWTs from an identity provider, accepted beside the CLI's bearer tokens."""

    issuer: str
    audience: str
    keys_file: Path  # a JWKS (JSON) or a PEM public key
    role_claim: str = "jtai_role"
    agency_claim: str = "jtai_agency_id"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = field(default_factory=lambda: f"sqlite:///{DEFAULT_DATA_DIR / 'jtai.db'}")
    production: bool = False
    max_page_size: int = 100
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_body_bytes: int = 1_000_000
    max_upload_bytes: int = 50_000_000
    storage_dir: Path = field(default_factory=lambda: DEFAULT_DATA_DIR / "documents")
    jwt: JwtSettings | None = None
    # A request body has this long, plus a second for each body_min_bytes_per_second received.
    body_read_timeout: int = 10
    body_min_bytes_per_second: int = 10_000
    max_uploads_per_token: int = 4  # multipart requests of one token in progress at once
    sqlite_busy_timeout_ms: int = 5000  # how long a SQLite write waits for another's lock
    # /readyz: not ready when no connection slot came free for this long, or the database
    # did not answer its probe in ready_probe_timeout seconds.
    ready_max_busy_seconds: int = 10
    ready_probe_timeout: int = 2

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        mode = env.get("JTAI_ENV", "development")
        if mode not in ("development", "production"):
            raise SettingsError(
                f"JTAI_ENV has value {mode!r}. Not a valid mode: use 'development' or 'production'."
            )
        defaults = cls()
        return cls(
            database_url=env.get("JTAI_DATABASE_URL", defaults.database_url),
            production=mode == "production",
            max_page_size=_int(env, "JTAI_MAX_PAGE_SIZE", defaults.max_page_size),
            max_body_bytes=_int(env, "JTAI_MAX_BODY_BYTES", defaults.max_body_bytes),
            max_upload_bytes=_int(env, "JTAI_MAX_UPLOAD_BYTES", defaults.max_upload_bytes),
            storage_dir=Path(env.get("JTAI_STORAGE_DIR", str(defaults.storage_dir))),
            jwt=_jwt(env),
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
    )
