"""A plugin from outside this repository joins the graph through the 'jtai' entry points alone.

The plugin is a module and a ``.dist-info`` folder written to a temporary directory put on
``sys.path``: ``importlib.metadata`` finds the distribution there as it finds an installed one, and
the plugin manager loads it with the four first-party inspectorates. Nothing in core changes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.cli import main
from core.graphql.schema import build_schema, print_schema
from core.plugins import make_plugin_manager
from core.registry import PluginContractError, build_registry

MODULE = "jtai_example_inspectorate"

PLUGIN_SOURCE = '''\
"""A fictional inspectorate taking part in the 2016 domestic-abuse deep dive."""

from core.contributions import (
    AgencyKind,
    Choice,
    EvidenceForm,
    EvidenceSubject,
    Inspectorate,
    Question,
    QuestionKind,
)
from core.hookspecs import hookimpl

CITED = "@CITED@"


@hookimpl
def jtai_inspectorate():
    return Inspectorate(
        code="example",
        name="Example Inspectorate of Refuges",
        short_name="Example",
        graphql_prefix="Example",
        agency_kinds=(AgencyKind.VOLUNTARY_SECTOR,),
        frameworks=("da-2016",),
    )


@hookimpl
def jtai_evidence_forms():
    return (
        EvidenceForm(
            framework="da-2016",
            code="refuge-visit",
            title="Refuge visit",
            subject=EvidenceSubject.AGENCY,
            questions=(
                Question(
                    code="safety_plan_seen",
                    text="Was a safety plan seen for the family?",
                    kind=QuestionKind.YES_NO,
                    required=True,
                ),
                Question(
                    code="risk_understood",
                    text="How well do refuge staff understand the risk to the children?",
                    kind=QuestionKind.CHOICE,
                    choices=(
                        Choice("WELL", "Well"),
                        Choice("PARTLY", "Partly"),
                        Choice("NOT_AT_ALL", "Not at all"),
                    ),
                    criteria=(CITED,),
                ),
            ),
        ),
    )
'''

METADATA = "Metadata-Version: 2.1\nName: jtai-example-inspectorate\nVersion: 1.0\n"
ENTRY_POINTS = f"[jtai]\nexample = {MODULE}\n"

Install = Callable[..., Path]


@pytest.fixture
def install_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Install]:
    """Installs the example plugin into a directory on sys.path, as pip would into site-packages."""

    def install(cited: str = "ESN-23") -> Path:
        (tmp_path / f"{MODULE}.py").write_text(
            PLUGIN_SOURCE.replace("@CITED@", cited), encoding="utf-8"
        )
        dist_info = tmp_path / f"{MODULE}-1.0.dist-info"
        dist_info.mkdir()
        (dist_info / "METADATA").write_text(METADATA, encoding="utf-8")
        (dist_info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
        monkeypatch.syspath_prepend(tmp_path)
        return tmp_path

    # A module imported by an earlier test would be reused instead of this test's file.
    monkeypatch.delitem(sys.modules, MODULE, raising=False)
    yield install
    # monkeypatch only undoes a delitem of a key that was there; the import added it since.
    sys.modules.pop(MODULE, None)


def _type_names(sdl: str) -> set[str]:
    return set(re.findall(r"^(?:type|input|enum|interface|union|scalar) (\w+)", sdl, re.M))


def test_an_external_plugin_joins_through_the_entry_points(install_example: Install) -> None:
    before = print_schema(build_schema(build_registry(make_plugin_manager())))
    install_example()

    manager = make_plugin_manager()
    registry = build_registry(manager)
    sdl = print_schema(build_schema(registry))

    assert sorted(name for name, _ in manager.list_name_plugin()) == [
        "cqc",
        "example",
        "hmicfrs",
        "hmip",
        "ofsted",
    ]
    assert manager.get_plugin("example") is sys.modules[MODULE]
    info = next(p for p in registry.plugins if p.name == "example")
    assert info.version == "1.0"
    assert info.inspectorate is not None and info.inspectorate.code == "example"
    assert info.hooks == ("jtai_evidence_forms", "jtai_inspectorate")
    assert info.contributions == (("evidence_forms", 1),)
    assert [i.code for i in registry.inspectorates] == [
        "cqc",
        "example",
        "hmicfrs",
        "hmip",
        "ofsted",
    ]
    assert "example" in [i.code for i in registry.participants("da-2016")]
    assert "example" not in [i.code for i in registry.participants("da-2024")]
    form = registry.evidence_form("example", "refuge-visit")
    assert form is not None and form.plugin == "example"
    assert form.item.questions[1].criteria == ("ESN-23",)

    assert "type ExampleRefugeVisitEvidence implements Evidence & Node {" in sdl
    assert "input ExampleRefugeVisitEvidenceInput {" in sdl
    assert (
        "recordExampleRefugeVisitEvidence(input: ExampleRefugeVisitEvidenceInput!): "
        "RecordEvidencePayload!"
    ) in sdl
    assert "enum ExampleRefugeVisitEvidenceRiskUnderstood {" in sdl
    output = sdl.split("type ExampleRefugeVisitEvidence implements Evidence & Node {")[1]
    lines = {line.strip() for line in output.split("\n}")[0].splitlines()}
    assert "safetyPlanSeen: Boolean!" in lines  # required
    assert "riskUnderstood: ExampleRefugeVisitEvidenceRiskUnderstood" in lines  # optional
    # Everything that was there still is; the plugin added its three types and nothing else.
    assert _type_names(sdl) - _type_names(before) == {
        "ExampleRefugeVisitEvidence",
        "ExampleRefugeVisitEvidenceInput",
        "ExampleRefugeVisitEvidenceRiskUnderstood",
    }
    assert _type_names(before) <= _type_names(sdl)


def test_an_external_plugin_breaking_the_contract_stops_start_up(
    install_example: Install,
) -> None:
    install_example(cited="ESN-99")
    manager = make_plugin_manager()
    assert manager.get_plugin("example") is not None

    with pytest.raises(PluginContractError) as caught:
        build_registry(manager)

    error = caught.value
    assert error.plugin == "example"
    assert error.item == "evidence form 'refuge-visit', question 'risk_understood'"
    assert "cites criterion 'ESN-99', which framework 'da-2016' does not have" in str(error)
    assert "Fix: " in str(error)


def test_the_cli_reports_a_broken_plugin_in_one_line_naming_it(install_example: Install) -> None:
    install_example(cited="ESN-99")

    for command in (["serve", "--port", "1"], ["schema"], ["plugins"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: cannot start: Plugin 'example': evidence form")
        assert "Traceback" not in result.output


def test_the_example_plugin_is_gone_once_uninstalled() -> None:
    # Runs after the two above: their sys.path entry and module are undone.
    manager = make_plugin_manager()

    assert manager.get_plugin("example") is None
    assert MODULE not in sys.modules
