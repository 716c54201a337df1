"""A plugin from outside this repository joins the graph through the 'jtai' entry points alone.

The plugin is a module and a ``.dist-info`` folder written to a temporary directory put on
``sys.path``: ``importlib.metadata`` finds the distribution there as it finds an installed one, and
the plugin manager loads it with the four first-party inspectorates. Nothing in core changes.
"""

from __future__ import annotations

import os
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
from tests.helpers.environment import FIRST_PARTY

MODULE = "jtai_example_inspectorate"

PLUGIN_SOURCE = '''\
"""A fictional inspectorate taking part in the 2016 domestic-abuse deep dive."""

from core.contributions import (
    AgencyKind,
    Choice,
    Code,
    CodeSet,
    EvidenceForm,
    EvidenceSubject,
    Inspectorate,
    Question,
    QuestionKind,
)
from core.hookspecs import hookimpl

CITED = "@CITED@"


INSPECTORATE = Inspectorate(
    code="example",
    name="Example Inspectorate of Refuges",
    short_name="Example",
    graphql_prefix="Example",
    agency_kinds=(AgencyKind.VOLUNTARY_SECTOR,),
    frameworks=("da-2016",),
)

FORMS = (
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


@hookimpl
def jtai_inspectorate():
    return INSPECTORATE


@hookimpl
def jtai_evidence_forms():
    return FORMS
'''

METADATA = "Metadata-Version: 2.1\nName: jtai-example-inspectorate\nVersion: 1.0\n"
ENTRY_POINTS = f"[jtai]\nexample = {MODULE}\n"

Install = Callable[..., Path]


@pytest.fixture
def install_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Install]:
    """Installs the example plugin into a directory on sys.path, as pip would into site-packages."""

    def install(cited: str = "ESN-23", appended: str = "", readme: str | None = None) -> Path:
        (tmp_path / f"{MODULE}.py").write_text(
            PLUGIN_SOURCE.replace("@CITED@", cited) + appended, encoding="utf-8"
        )
        if readme is not None:
            (tmp_path / "README.md").write_text(readme, encoding="utf-8")
        dist_info = tmp_path / f"{MODULE}-1.0.dist-info"
        dist_info.mkdir(exist_ok=True)
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
    before = print_schema(build_schema(build_registry(make_plugin_manager(only=FIRST_PARTY))))
    install_example()

    manager = make_plugin_manager(only=(*FIRST_PARTY, "example"))
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


# --- The author's usual mistakes: one line each, naming the plugin and the fix --------------------


def _one_line_error(command: list[str]) -> str:
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    [line] = result.output.splitlines()
    return line


def test_an_import_error_in_the_plugin_is_one_line_naming_it(install_example: Install) -> None:
    install_example(appended="\nimport jtai_a_module_nobody_installed\n")

    line = _one_line_error(["plugins"])

    assert line == (
        f"Error: cannot start: Plugin 'example': entry point '{MODULE}': importing it raised "
        "ModuleNotFoundError: No module named 'jtai_a_module_nobody_installed'. Fix: correct the "
        f"plugin's module (python -c 'import {MODULE}' shows the traceback), or uninstall it "
        "(pip uninstall jtai-example-inspectorate)"
    )


def test_debug_shows_the_traceback_behind_the_line(install_example: Install) -> None:
    install_example(appended="\nimport jtai_a_module_nobody_installed\n")

    result = CliRunner().invoke(main, ["--debug", "plugins"])

    assert result.exit_code == 1
    assert "Traceback" in result.output  # CliRunner mixes stderr into output
    assert result.output.rstrip().splitlines()[-1].startswith("Error: cannot start: Plugin 'ex")


def test_an_exception_in_a_hook_is_one_line_naming_the_plugin(install_example: Install) -> None:
    install_example(appended="\n\n@hookimpl\ndef jtai_milestones():\n    return MILESTONES\n")

    line = _one_line_error(["plugins"])

    assert line.startswith(
        "Error: cannot start: Plugin 'example': hook jtai_milestones: raised NameError: name "
        "'MILESTONES' is not defined. Fix: correct the hook"
    )


def test_a_misspelt_hook_is_one_line_with_the_name_it_should_have(
    install_example: Install,
) -> None:
    install_example(appended="\n\n@hookimpl\ndef jtai_evidence_form():\n    return ()\n")

    line = _one_line_error(["plugins"])

    assert line == (
        "Error: cannot start: Plugin 'example': hook jtai_evidence_form: unknown hook "
        "'jtai_evidence_form': core/hookspecs.py has no hook of that name. Fix: rename it to "
        "'jtai_evidence_forms'"
    )


def test_jtai_plugins_names_a_choice_question_whose_enum_clashes(install_example: Install) -> None:
    install_example(appended=CHOICE_CODED_INPUT)

    line = _one_line_error(["plugins"])

    assert line.startswith(
        "Error: cannot start: Plugin 'example': evidence form 'refuge-visit', question 'input' "
        "(its choices' enum): generates GraphQL type ExampleRefugeVisitEvidenceInput"
    )


CHOICE_CODED_INPUT = """

_FORM = jtai_evidence_forms()[0]


@hookimpl
def jtai_evidence_forms():
    return (
        EvidenceForm(
            framework=_FORM.framework,
            code=_FORM.code,
            title=_FORM.title,
            subject=_FORM.subject,
            questions=(*_FORM.questions, Question(
                code="input",
                text="Which input?",
                kind=QuestionKind.CHOICE,
                choices=(Choice("A", "A"),),
            )),
        ),
    )
"""


def test_plugins_check_runs_the_contract_checks_on_one_plugin(install_example: Install) -> None:
    install_example()  # no README beside the module yet
    failing = CliRunner().invoke(main, ["plugins", "check", "example"])
    install_example(readme="# Example\n\nFrom the (fictional) guidance on refuges.\n")
    passing = CliRunner().invoke(main, ["plugins", "check", "example"])
    unknown = CliRunner().invoke(main, ["plugins", "check", "exampel"])

    assert failing.exit_code == 1
    lines = failing.output.splitlines()
    assert lines[0] == "ok   *: starts (registry and schema)"
    assert lines[1].startswith("FAIL example: has a README.md beside its hooks: ")
    assert "README.md is missing. Fix: add it" in lines[1]
    assert lines[2:4] == [
        "ok   example: has thin hooks (at most 6 lines each)",
        "ok   example: contributes to a framework it takes part in",
    ]
    assert lines[-1] == "Error: 1 of 4 checks failed."
    assert passing.exit_code == 0, passing.output
    assert passing.output.splitlines()[-1] == "All 4 checks passed."
    assert unknown.exit_code == 1
    assert "FAIL exampel: is installed: no plugin of that name" in unknown.output


# --- Clashes: the error goes to the plugin that must change -------------------------------------

CLASHING_PREFIX = """

INSPECTORATE = replace(INSPECTORATE, graphql_prefix="OfstedCase")
FORMS = (replace(FORMS[0], code="tracking"),)
"""


def test_a_clash_with_a_first_party_plugin_asks_the_outside_plugin_to_change(
    install_example: Install,
) -> None:
    # 'example' sorts before 'ofsted'; its form's type would be OfstedCaseTrackingEvidence too.
    install_example(appended="\nfrom dataclasses import replace" + CLASHING_PREFIX)

    with pytest.raises(PluginContractError) as caught:
        build_registry(make_plugin_manager(only=(*FIRST_PARTY, "example")))

    error = caught.value
    assert error.plugin == "example"
    assert error.item == "evidence form 'tracking', its output type"
    assert error.problem == (
        "its GraphQL type name OfstedCaseTrackingEvidence is taken, clashing with plugin "
        "'ofsted' (evidence form 'case-tracking', its output type); 'ofsted' is first-party and "
        "keeps its codes"
    )
    assert error.fix.startswith("in plugin 'example', rename the form")


def test_between_two_outside_plugins_the_later_installed_changes(
    install_example: Install, tmp_path: Path
) -> None:
    folder = install_example()  # 'example', installed first
    second = "jtai_example_second"
    (folder / f"{second}.py").write_text(
        PLUGIN_SOURCE.replace("@CITED@", "ESN-23")
        .replace('code="example"', 'code="second"')
        .replace('graphql_prefix="Example"', 'graphql_prefix="Second"')
        + "\nCODE_SETS = (CodeSet('refuge-types', 'Refuge types', 'tests', (Code('A', 'A'),)),)"
        + "\n\n\n@hookimpl\ndef jtai_code_sets():\n    return CODE_SETS\n",
        encoding="utf-8",
    )
    (folder / MODULE).with_suffix(".py").write_text(
        (folder / f"{MODULE}.py").read_text(encoding="utf-8")
        + "\nCODE_SETS = (CodeSet('refuge-types', 'Refuge types', 'tests', (Code('A', 'A'),)),)"
        + "\n\n\n@hookimpl\ndef jtai_code_sets():\n    return CODE_SETS\n",
        encoding="utf-8",
    )
    dist_info = folder / f"{second}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: jtai-example-second\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(f"[jtai]\nsecond = {second}\n", encoding="utf-8")
    first_info = folder / f"{MODULE}-1.0.dist-info"
    # 'second' sorts after 'example' but was installed first: it keeps the code set.
    os.utime(dist_info, (1_000_000, 1_000_000))
    os.utime(first_info, (2_000_000, 2_000_000))

    try:
        with pytest.raises(PluginContractError) as caught:
            build_registry(make_plugin_manager(only=(*FIRST_PARTY, "example", "second")))
    finally:
        sys.modules.pop(second, None)

    error = caught.value
    assert error.plugin == "example"
    assert error.item == "code set 'refuge-types'"
    assert (
        "clashing with plugin 'second' (code set 'refuge-types'); 'second' was installed "
        "first" in error.problem
    )
    assert error.fix == "in plugin 'example', rename the code set"


THICK_AND_EMPTY = """

FORMS = ()


@hookimpl
def jtai_milestones():
    milestones = []
    for _ in range(0):
        milestones.append(None)
    # A hook that computes is thick: data belongs in a module of its own.
    return tuple(milestones)
"""


def test_plugins_check_names_each_failure_and_its_fix(install_example: Install) -> None:
    install_example(appended=THICK_AND_EMPTY, readme="# Example\n\nRefuges, made up.\n")

    result = CliRunner().invoke(main, ["plugins", "check", "example"])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "ok   *: starts (registry and schema)"
    assert lines[1].startswith("FAIL example: has a README.md beside its hooks: ")
    assert "does not say where the content comes from. Fix: name the guidance" in lines[1]
    assert lines[2] == (
        "FAIL example: has thin hooks (at most 6 lines each): jtai_milestones (7 lines). Fix: "
        "define the data in a module of its own and return it from the hook"
    )
    assert lines[3].startswith(
        "FAIL example: contributes to a framework it takes part in: it contributes no criterion, "
        "request, milestone or form. Fix: contribute to one of its frameworks (da-2016)"
    )
    assert lines[-1] == "Error: 3 of 4 checks failed."


def test_plugins_check_reports_a_plugin_that_cannot_load(install_example: Install) -> None:
    install_example(appended="\nimport jtai_a_module_nobody_installed\n")

    result = CliRunner().invoke(main, ["plugins", "check"])

    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith(
        "FAIL example: loads: importing it raised ModuleNotFoundError: No module named "
        "'jtai_a_module_nobody_installed'. Fix: correct the plugin's module"
    )
