"""Start-up (issue 7, benchmark 6) guarded by counting, not timing: what serving imports.

Each check runs in a fresh interpreter, as ``jtai serve`` starts: the command builds the app
(plugins, registry, schema) and, where it would hand the app to uvicorn, prints the top-level
packages then loaded. Libraries needed only on some paths (Alembic to migrate, PyJWT and
cryptography when JWT sign-in is configured, holidays to compute a deadline, openpyxl to write an
export) must not be among them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from core.database import Database
from core.migrate import upgrade

REPO = Path(__file__).resolve().parents[2]

# Imported by nothing that serving needs; each costs start-up time (tens of ms for some).
NOT_AT_START = (
    "alembic",  # only `jtai db upgrade`, `jtai demo`, `jtai serve --demo`
    "mako",  # Alembic's templates
    "jwt",  # only with JTAI_JWT_* set
    "cryptography",
    "holidays",  # the first deadline computed
    "openpyxl",  # the first XLSX export
    "schemathesis",  # tests only
    "hypothesis",
)
# httpx loads its own command line (httpx/__init__ imports httpx._main, which needs rich and
# pygments); only delivering a webhook needs httpx, so only that imports it.
HTTPX_CLI = ("httpx", "rich", "pygments")

SERVE = """
import gc, json, sys
import uvicorn

def run(app, **options):
    loaded = sorted({name.split(".")[0] for name in sys.modules})
    print(json.dumps({"modules": loaded, "gc_enabled": gc.isenabled()}))

uvicorn.run = run
from core.cli import main
main(["serve", "--port", "8765"], standalone_mode=False)
"""

BUILD_APP = """
import json, sys
from core.app import create_app
from core.settings import Settings
create_app(Settings.from_env())
print(json.dumps({"modules": sorted({name.split(".")[0] for name in sys.modules})}))
"""


def _run(tmp_path: Path, code: str, **extra_env: str) -> dict[str, object]:
    url = f"sqlite:///{tmp_path / 'startup.db'}"
    database = Database(url)
    upgrade(database)  # here, not in the child: serving refuses an unmigrated database
    database.dispose()
    env = {
        **os.environ,
        "JTAI_DATABASE_URL": url,
        "JTAI_STORAGE_DIR": str(tmp_path / "documents"),
        **extra_env,
    }
    env.pop("JTAI_ENV", None)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    last_line = done.stdout.strip().splitlines()[-1]
    result: dict[str, object] = json.loads(last_line)
    return result


def _loaded(result: dict[str, object]) -> set[str]:
    modules = result["modules"]
    assert isinstance(modules, list)
    return set(modules)


def test_serve_loads_the_app_but_not_libraries_it_does_not_need(tmp_path: Path) -> None:
    result = _run(tmp_path, SERVE)
    loaded = _loaded(result)
    assert {"core", "plugins", "strawberry", "sqlalchemy", "starlette", "uvicorn"} <= loaded
    assert sorted(loaded.intersection(NOT_AT_START)) == []
    # The collector is off only while the app is built, and back on before serving.
    assert result["gc_enabled"] is True


def test_building_the_app_loads_none_of_them_either(tmp_path: Path) -> None:
    assert sorted(_loaded(_run(tmp_path, BUILD_APP)).intersection(NOT_AT_START)) == []


def test_jwt_sign_in_loads_pyjwt_and_checks_the_keys_at_start(tmp_path: Path) -> None:
    keys = tmp_path / "keys.pem"
    keys.write_text("not a key\n", encoding="utf-8")
    env = {
        **os.environ,
        "JTAI_DATABASE_URL": f"sqlite:///{tmp_path / 'startup.db'}",
        "JTAI_JWT_ISSUER": "https://idp.example",
        "JTAI_JWT_AUDIENCE": "jtai",
        "JTAI_JWT_KEYS_FILE": str(keys),
    }
    done = subprocess.run(
        [sys.executable, "-c", BUILD_APP],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Loading PyJWT lazily must not move the check of the key file past start-up.
    assert done.returncode != 0
    assert "is neither a JWKS (JSON) nor a PEM public key" in done.stderr


def test_serving_does_not_load_httpx_nor_its_command_line(tmp_path: Path) -> None:
    assert sorted(_loaded(_run(tmp_path, SERVE)).intersection(HTTPX_CLI)) == []


WORKER = """
import gc, json, sys
from core.serving import create_serving_app
create_serving_app()
print(json.dumps({
    "modules": sorted({name.split(".")[0] for name in sys.modules}),
    "gc_enabled": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
}))
"""


def test_each_worker_builds_its_app_as_serve_does(tmp_path: Path) -> None:
    """`jtai serve --workers N` hands uvicorn core.serving:create_serving_app."""
    result = _run(tmp_path, WORKER)
    assert sorted(_loaded(result).intersection((*NOT_AT_START, *HTTPX_CLI))) == []
    assert result["gc_enabled"] is True
    frozen = result["frozen"]
    assert isinstance(frozen, int) and frozen > 50_000  # the app's objects, out of collections


SERVE_WORKERS = """
import json
import uvicorn

def run(app, **options):
    print(json.dumps({"app": app, "options": options}))

uvicorn.run = run
from core.cli import main
main(["serve", "--port", "8765", "--workers", "2"], standalone_mode=False)
"""


def test_serve_with_workers_hands_uvicorn_the_serving_factory(tmp_path: Path) -> None:
    result = _run(tmp_path, SERVE_WORKERS)
    assert result["app"] == "core.serving:create_serving_app"
    options = result["options"]
    assert isinstance(options, dict)
    assert options["factory"] is True and options["workers"] == 2
