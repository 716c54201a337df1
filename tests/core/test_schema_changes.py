"""The schema change policy: every breaking change since the last release is in CHANGELOG.md.

schema.graphql is compared with the newest docs/releases/<date>.graphql by graphql-core's
``find_breaking_changes``; a breaking change whose schema coordinate is not in backticks in
CHANGELOG.md's "## Unreleased" section fails, naming the lines to add. Dangerous changes (an enum
value or an optional argument added, ...) are printed, never failing.
"""

from __future__ import annotations

import pytest

from core.schema_changes import (
    SchemaChange,
    breaking_changes,
    dangerous_changes,
    newest_release,
    unrecorded,
    unreleased_coordinates,
)
from tests.helpers.environment import REPO_ROOT


def test_every_breaking_change_since_the_last_release_is_in_the_changelog(
    capsys: pytest.CaptureFixture[str],
) -> None:
    released = newest_release(REPO_ROOT / "docs" / "releases")
    current = (REPO_ROOT / "schema.graphql").read_text(encoding="utf-8")
    old = released.read_text(encoding="utf-8")
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    with capsys.disabled():
        for change in dangerous_changes(old, current):
            print(f"dangerous, since {released.name}: {change.description}")
    missing = unrecorded(breaking_changes(old, current), changelog)
    assert not missing, (
        f"Breaking changes since {released.name} not recorded in CHANGELOG.md. Add under "
        "'## Unreleased' / '### Breaking':\n" + "\n".join(missing)
    )


RELEASED = """
type Query { inspection(id: ID!): Inspection  children(first: Int): [String] }
type Inspection { id: ID!  frameworkCode: String  framework: String }
enum ProblemSeverity { LOW HIGH }
union Result = Inspection | Extra
type Extra { x: Int }
type Gone { y: Int }
"""
CURRENT = """
type Query { inspection(id: ID!): Inspection  children(first: Int!, after: String): [String] }
type Inspection { id: ID!  framework: String }
enum ProblemSeverity { HIGH CRITICAL }
union Result = Inspection
type Extra { x: Int }
"""
CHANGELOG = """# Changelog

## Unreleased

### Breaking
- `Inspection.frameworkCode`: removed; use `Inspection.framework`.

### Added

## 2026-12-03
- `ProblemSeverity.LOW`: recorded in an older release, so not for this one.
"""


def test_each_breaking_change_is_named_by_its_schema_coordinate() -> None:
    changes = breaking_changes(RELEASED, CURRENT)
    assert sorted(c.coordinate for c in changes) == [
        "Gone",
        "Inspection.frameworkCode",
        "ProblemSeverity.LOW",
        "Query.children(first:)",
        "Result",
    ]
    removed = SchemaChange(
        "Inspection.frameworkCode", "Field Inspection.frameworkCode was removed."
    )
    assert removed in changes


def test_only_the_unreleased_section_counts_and_the_missing_lines_are_listed() -> None:
    assert unreleased_coordinates(CHANGELOG) == {"Inspection.frameworkCode", "Inspection.framework"}
    assert unrecorded(breaking_changes(RELEASED, CURRENT), CHANGELOG) == [
        "- `Gone`: Gone was removed. <say what to use instead>",
        "- `ProblemSeverity.LOW`: Enum value ProblemSeverity.LOW was removed. "
        "<say what to use instead>",
        "- `Query.children(first:)`: Argument Query.children(first:) has changed type from Int "
        "to Int!. <say what to use instead>",
        "- `Result`: Extra was removed from union type Result. <say what to use instead>",
    ]
    assert unreleased_coordinates("# Changelog\n") == set()


def test_dangerous_changes_are_found_but_are_not_breaking() -> None:
    dangerous = dangerous_changes(RELEASED, CURRENT)
    assert sorted(c.coordinate for c in dangerous) == [
        "ProblemSeverity.CRITICAL",
        "Query.children(after:)",
    ]
    breaking = {c.coordinate for c in breaking_changes(RELEASED, CURRENT)}
    assert not breaking & {c.coordinate for c in dangerous}
