"""Breaking schema changes against an earlier schema: the release policy's check (CHANGELOG.md must
record each) and ``jtai schema --breaking-since FILE``, which tells a plugin's maintainer what an
upgrade breaks for front ends.

graphql-core's ``find_breaking_changes`` describes each change in a sentence ("Field
Inspection.frameworkCode was removed.", "Enum value ProblemSeverity.LOW was removed.", "Argument
Query.children(first:) has changed type from Int to Int!."). The schema coordinate is the first
word that names a field, argument, enum value or directive (it holds a dot, a parenthesis or an
``@``); failing that, the first word naming a type (the union itself for a member removed from a
union). A change is recorded when that coordinate appears in backticks in CHANGELOG.md's
``## Unreleased`` section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    BreakingChangeType,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
)

_WORD = re.compile(r"@?[_A-Za-z][_0-9A-Za-z]*(?:\.[_A-Za-z][_0-9A-Za-z]*)?(?:\([_0-9A-Za-z]+:\))?")
_BACKTICKED = re.compile(r"`([^`\n]+)`")


@dataclass(frozen=True, slots=True)
class SchemaChange:
    coordinate: str
    description: str


def coordinate_of(description: str, kind: object, schema: GraphQLSchema) -> str:
    words: list[str] = _WORD.findall(description)
    if kind is BreakingChangeType.TYPE_REMOVED_FROM_UNION:
        return words[-1]  # "<Member> was removed from union type <Union>."
    for word in words:
        if "." in word or "(" in word or word.startswith("@"):
            return word
    for word in words:
        if word in schema.type_map:
            return word
    return words[0]


def breaking_changes(released: str, current: str) -> list[SchemaChange]:
    old = build_schema(released)
    return [
        SchemaChange(coordinate_of(c.description, c.type, old), c.description)
        for c in find_breaking_changes(old, build_schema(current))
    ]


def dangerous_changes(released: str, current: str) -> list[SchemaChange]:
    old = build_schema(released)
    return [
        SchemaChange(coordinate_of(c.description, c.type, old), c.description)
        for c in find_dangerous_changes(old, build_schema(current))
    ]


def unreleased_coordinates(changelog: str) -> set[str]:
    """What CHANGELOG.md's ``## Unreleased`` section names in backticks."""
    match = re.search(r"^## Unreleased[ \t]*$(.*?)(?=^## |\Z)", changelog, re.M | re.S)
    return set(_BACKTICKED.findall(match.group(1))) if match else set()


def unrecorded(changes: list[SchemaChange], changelog: str) -> list[str]:
    """The CHANGELOG lines to add, one per coordinate not yet recorded, in schema order."""
    recorded = unreleased_coordinates(changelog)
    lines: dict[str, str] = {}
    for change in changes:
        if change.coordinate not in recorded and change.coordinate not in lines:
            lines[change.coordinate] = (
                f"- `{change.coordinate}`: {change.description} <say what to use instead>"
            )
    return [lines[c] for c in sorted(lines)]


def newest_release(releases: Path) -> Path:
    """docs/releases/<date>.graphql with the latest date (ISO dates sort as text)."""
    found = sorted(releases.glob("*.graphql"))
    if not found:
        raise FileNotFoundError(f"no released schema (<date>.graphql) in {releases}")
    return found[-1]
