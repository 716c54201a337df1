"""The kit for plugin authors, run as an author would: the template in docs/plugin-template/
(shown in docs/plugins.md) is built as a package and installed in a throwaway virtual environment
that sees this project only as an installed distribution, then checked and run from a directory
outside the repository: `jtai plugins check`, `jtai schema` and `jtai demo`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "docs" / "plugin-template"
GUIDE = ROOT / "docs" / "plugins.md"
JTAI = "from core.cli import main; main()"


def test_the_guide_shows_the_template_as_it_is() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    for name in ("pyproject.toml", "jtai_example_refuges/hooks.py"):
        text = (TEMPLATE / name).read_text(encoding="utf-8")
        assert text in guide, f"docs/plugins.md does not show docs/plugin-template/{name} as is"


@pytest.fixture(scope="module")
def kit_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv whose only view of this project is its installed distribution, with the
    template installed into it by pip (offline: no build isolation, no index)."""
    venv = tmp_path_factory.mktemp("kit") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The project's own environment, as if installed system-wide (--system-site-packages).
    ours = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "jtai-graph.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--no-index", str(TEMPLATE)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return python


def jtai(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JTAI_DATABASE_URL": f"sqlite:///{cwd / 'kit.db'}"}
    env.pop("JTAI_PLUGINS", None)
    return subprocess.run(
        [str(python), "-c", JTAI, *args], cwd=cwd, env=env, capture_output=True, text=True
    )


@pytest.mark.long
def test_the_template_installs_passes_the_checks_and_runs_end_to_end(
    kit_python: Path, tmp_path: Path
) -> None:
    checked = jtai(kit_python, tmp_path, "plugins", "check", "refuges")
    listed = jtai(kit_python, tmp_path, "plugins")
    schema = jtai(kit_python, tmp_path, "schema")
    demo = jtai(kit_python, tmp_path, "demo", "--no-token")

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.splitlines() == [
        "ok   *: starts (registry and schema)",
        "ok   refuges: has a README.md beside its hooks",
        "ok   refuges: has thin hooks (at most 6 lines each)",
        "ok   refuges: contributes to a framework it takes part in",
        "All 4 checks passed.",
    ]
    assert "refuges 1.0.0: Refuges (refuges)" in listed.stdout
    assert "type RefugesRefugeVisitEvidence implements Evidence & Node {" in schema.stdout
    # The demo inspection takes part with the four of its team: the fifth does not hold up
    # its findings.
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Published 4 demo findings and the demo report." in demo.stdout
