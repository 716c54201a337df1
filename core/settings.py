"""Settings read once from the environment, with defaults that run a demo on a laptop."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = Path.cwd() / "var"


class SettingsError(ValueError):
    """A setting has a value the app cannot use."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = field(default_factory=lambda: f"sqlite:///{DEFAULT_DATA_DIR / 'jtai.db'}")
    production: bool = False
    max_page_size: int = 100
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_body_bytes: int = 1_000_000

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        mode = env.get("JTAI_ENV", "development")
        if mode not in ("development", "production"):
            raise SettingsError(
                f"JTAI_ENV has value {mode!r}. Not a valid mode: use 'development' or 'production'."
            )
        defaults = cls()
        return cls(
            database_url=env.get("JTAI_DATABASE_URL", defaults.database_url),
            production=mode == "production",
        )
