"""The letter as data: its sections in the published order, and the JSON a published version is
frozen as (``report_versions.letter``), so an old version reads back exactly as it was published
whatever has happened to the findings since."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any


class SectionKey(StrEnum):
    CONTEXT = "context"
    HEADLINE_FINDINGS = "headline_findings"
    WHAT_NEEDS_TO_IMPROVE = "what_needs_to_improve"
    STRENGTHS = "strengths"
    MAIN_FINDINGS = "main_findings"
    PRACTICE_STUDY_EFFECTIVE = "practice_study_effective"
    PRACTICE_STUDY_IMPROVEMENT = "practice_study_improvement"
    NEXT_STEPS = "next_steps"


HEADINGS = {
    SectionKey.CONTEXT: "Context",
    SectionKey.HEADLINE_FINDINGS: "Headline findings",
    SectionKey.WHAT_NEEDS_TO_IMPROVE: "What needs to improve?",
    SectionKey.STRENGTHS: "Strengths",
    SectionKey.MAIN_FINDINGS: "Main findings",
    SectionKey.PRACTICE_STUDY_EFFECTIVE: "Practice study: highly effective practice",
    SectionKey.PRACTICE_STUDY_IMPROVEMENT: "Practice study: areas for improvement",
    SectionKey.NEXT_STEPS: "Next steps",
}


@dataclass(frozen=True, slots=True)
class LetterFinding:
    id: int
    kind: str
    title: str
    text: str
    headline: bool
    status: str
    criteria: tuple[str, ...]
    agencies: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Section:
    key: SectionKey
    heading: str
    paragraphs: tuple[str, ...]  # the section's own text, split at blank lines
    findings: tuple[LetterFinding, ...]


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One published version: its number (1, 2, ...) and when it was published."""

    number: int
    published_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Letter:
    inspection_id: int
    reference: str
    area_name: str
    framework_code: str
    framework_title: str
    published_at: dt.datetime | None  # this version's date; None for a draft
    statement_due_on: dt.date | None
    signatories: tuple[str, ...]  # the inspectorates taking part, by name
    sections: tuple[Section, ...]
    version: int | None = None  # None: a draft, or a report published before versions existed
    versions: tuple[VersionInfo, ...] = ()  # every published version, oldest first

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_latest(self) -> bool:
        return not self.versions or self.version == self.versions[-1].number


def content(letter: Letter) -> str:
    """What a reader sees of the letter, as canonical JSON: two versions with the same content
    say the same thing (their dates and numbers aside)."""
    return json.dumps(
        {
            "area_name": letter.area_name,
            "framework_title": letter.framework_title,
            "statement_due_on": _date(letter.statement_due_on),
            "signatories": letter.signatories,
            "sections": [_section(s) for s in letter.sections],
        },
        sort_keys=True,
        ensure_ascii=False,
    )


def to_json(letter: Letter) -> str:
    """The whole letter but its list of versions (which grows after it is frozen)."""
    data = {
        "inspection_id": letter.inspection_id,
        "reference": letter.reference,
        "area_name": letter.area_name,
        "framework_code": letter.framework_code,
        "framework_title": letter.framework_title,
        "published_at": letter.published_at.isoformat() if letter.published_at else None,
        "statement_due_on": _date(letter.statement_due_on),
        "signatories": list(letter.signatories),
        "sections": [_section(s) for s in letter.sections],
        "version": letter.version,
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def from_json(text: str, versions: tuple[VersionInfo, ...] = ()) -> Letter:
    data: dict[str, Any] = json.loads(text)
    published = data["published_at"]
    due = data["statement_due_on"]
    letter = Letter(
        inspection_id=data["inspection_id"],
        reference=data["reference"],
        area_name=data["area_name"],
        framework_code=data["framework_code"],
        framework_title=data["framework_title"],
        published_at=dt.datetime.fromisoformat(published) if published else None,
        statement_due_on=dt.date.fromisoformat(due) if due else None,
        signatories=tuple(data["signatories"]),
        sections=tuple(
            Section(
                key=SectionKey(s["key"]),
                heading=s["heading"],
                paragraphs=tuple(s["paragraphs"]),
                findings=tuple(
                    LetterFinding(
                        id=f["id"],
                        kind=f["kind"],
                        title=f["title"],
                        text=f["text"],
                        headline=f["headline"],
                        status=f["status"],
                        criteria=tuple(f["criteria"]),
                        agencies=tuple(f["agencies"]),
                    )
                    for f in s["findings"]
                ),
            )
            for s in data["sections"]
        ),
        version=data["version"],
    )
    return replace(letter, versions=versions)


def _date(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _section(section: Section) -> dict[str, Any]:
    return {
        "key": section.key.value,
        "heading": section.heading,
        "paragraphs": list(section.paragraphs),
        "findings": [
            {
                "id": f.id,
                "kind": f.kind,
                "title": f.title,
                "text": f.text,
                "headline": f.headline,
                "status": f.status,
                "criteria": list(f.criteria),
                "agencies": list(f.agencies),
            }
            for f in section.findings
        ],
    }
