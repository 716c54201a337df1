"""Synthetic data at national scale, seeded and reproducible: ``jtai generate``.

Nothing generated describes a real place or person: areas are named '... (synthetic area)' with
codes starting ``ZZ-`` (never an ONS code), inspectors are placeholder names at example.org,
children are random facts under IDs starting ``SYN``, postcodes are in the non-existent ZZ area,
and every free text says it is synthetic.

Each inspection is one area with agencies of every kind and a team from every inspectorate taking
part in the framework (da-2016, the framework whose Annex A lists the plugins specify), and:

- the Annex A lists, sized like a real local authority (DOMAIN.md section 8: on average about
  2,600 children in need, 330 on plans, 1,000 referrals and 6,000-8,000 contacts in three months,
  plus early help, assessments and section 47 enquiries). Areas vary about 50-fold, so each draws
  a size factor from a log-normal distribution with mean 1 (``Scale.SMALL`` divides everything by
  40 for tests and CI; ``Scale.LARGE`` multiplies it by 3). A child is one ``Child`` row per
  inspection however many lists it is on, and the lists overlap the way they do in life (most
  children on plans are also children in need, referrals lead to assessments, and so on). Every
  row's values are built from the list's field specification, with codes from the registry's code
  sets (the DfE census codes), so a renamed field or code fails here loudly;
- the request tracker: every request of the framework issued to every agency it addresses (and
  the per-child ones for tracked children), most received on time, some late, some outstanding;
- selections within the rules of ``core.workflow.selection``: 20 children flagged 'living with
  domestic abuse' on the lists of children in need or on a plan, 5-7 of them tracked, and some
  children sampled from the child-level lists;
- evidence recorded with the plugins' real forms (answers built from each form's questions:
  required ones always answered, choices from the form's choices, final records complete);
- 5-15 published findings citing criteria, agencies and final evidence, agreed by an inspector of
  every inspectorate taking part, with their 'published' change-feed rows and a published report.

Random draws come from ``random.Random`` seeded by the seed and the inspection's number, so the
same seed writes the same rows on SQLite and PostgreSQL, and inspection N does not depend on how
many others are generated. Rows are written in bulk (SQLAlchemy Core inserts, the driver's
executemany for the big tables on SQLite, COPY on PostgreSQL), one transaction per inspection, so a
run that stops leaves whole inspections only. Running twice into one database needs two seeds: the
seed is part of every reference. Write into a database nothing else is writing to meanwhile.

Speed on a shared 2-core machine (BENCHMARKS.md): 150 inspections at ``Scale.REAL`` are ~3.7
million rows, written to SQLite in 1.5-2.5 minutes (24,000-41,000 rows/s; the largest area,
117,000 rows, in 6 s) and to PostgreSQL in 2.5 minutes; ``Scale.SMALL`` writes 150 in ~10 s.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import random
import time
from bisect import bisect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from core.contributions import (
    AgencyKind,
    CodeSet,
    Deadline,
    EvidenceForm,
    EvidenceSubject,
    FieldType,
    ListField,
    ListSpec,
    Question,
    QuestionKind,
    RequestScope,
)
from core.database import Database, begin_write
from core.models import Base, Inspection
from core.registry import Registry
from core.timetable import ENGLAND_AND_WALES, LONDON, due_at, inspection_weeks
from core.workflow import evidence as evidence_rules
from core.workflow.list_problems import NO_PROBLEMS, summary_json

FRAMEWORK = "da-2016"  # the framework whose requests carry the Annex A list specifications
MAX_SEED = 999_999  # the seed is part of area codes, which hold 16 characters
MAX_INSPECTIONS = 999
SYNTHETIC = "(Synthetic: it describes no real area, service or person.)"
BATCH = 5_000  # rows per executemany call
T = TypeVar("T")


class GenerateError(ValueError):
    """The generator cannot run as asked; the message says what to change."""


class Scale(StrEnum):
    SMALL = "small"  # a fortieth of a real area: tests and CI
    REAL = "real"  # DOMAIN.md section 8
    LARGE = "large"  # three times a real area: headroom


SCALE_FACTOR = {Scale.SMALL: 1 / 40, Scale.REAL: 1.0, Scale.LARGE: 3.0}

# Rows per list for an area of average size (size factor 1), in the period each list covers.
# Children in need ~400,000 / 153 LAs; plans ~50,000 / 153; referrals ~630,000 a year / 153 / 4;
# contacts 6,000-8,000 (issue 7); early help, assessments (s17 and s47) and section 47 enquiries
# over six months from the national yearly figures.
AVERAGE_ROWS: Mapping[str, int] = {
    "children-in-need": 2_600,
    "child-protection-plans": 330,
    "referrals": 1_000,
    "contacts": 7_000,
    "early-help": 1_200,
    "assessments": 2_000,
    "section-47": 700,
    "meetings": 30,
}
CONTACTS_SPREAD = (6_000, 8_000)
MINIMUM_ROWS: Mapping[str, int] = {  # so that a small area still has 20 children to select
    "children-in-need": 40,
    "child-protection-plans": 6,
    "referrals": 8,
    "contacts": 12,
    "early-help": 5,
    "assessments": 6,
    "section-47": 5,
    "meetings": 4,
}
SIZE_SIGMA = 0.8  # log-normal spread of area size: the 1st and 99th percentiles ~40-60x apart
SIZE_CLIP = (0.08, 5.0)

SELECTION_LISTS = ("children-in-need", "child-protection-plans")
SAMPLING_LISTS = ("contacts", "early-help", "referrals", "assessments", "section-47")
EXTRA_FIELDS_LIST = "selected-children"
MEETINGS_LIST = "meetings"
SELECTED = 20
TRACKED = (5, 7)
SAMPLED = (6, 14)
FINDINGS = (5, 15)

# Team size per inspectorate (DOMAIN.md 1: about 3 each from Ofsted, CQC and HMICFRS, 2 from HMIP).
TEAM_SIZE: Mapping[str, int] = {"ofsted": 3, "cqc": 3, "hmicfrs": 3, "hmip": 2}
DEFAULT_TEAM_SIZE = 2

# --- Distributions (England, rounded; weights need not sum to 1) ----------------------------------

GENDER_WEIGHTS = {"M": 52, "F": 46.5, "U": 1.5}
ETHNICITY_WEIGHTS = {
    "WBRI": 66, "WIRI": 0.6, "WIRT": 0.3, "WOTH": 5, "WROM": 0.8, "MWBC": 2.5, "MWBA": 1,
    "MWAS": 1.4, "MOTH": 3, "AIND": 1.5, "APKN": 3.5, "ABAN": 1.6, "AOTH": 1.6, "BCRB": 1.5,
    "BAFR": 4, "BOTH": 1.3, "CHNE": 0.3, "OOTH": 2.2, "REFU": 0.4, "NOBT": 2,
}  # fmt: skip
AGE_BANDS = ((0, 0, 6), (1, 4, 19), (5, 9, 27), (10, 15, 34), (16, 17, 14))  # (from, to, weight)
UNBORN_RATE = {"children-in-need": 0.02, "child-protection-plans": 0.03, "default": 0.01}
DISABILITY_RATE = 0.10
DOMESTIC_ABUSE_RATE = (0.30, 0.50)  # per area, of children on the lists of CIN and CP plans
PRIMARY_NEED_WEIGHTS = {
    "N0": 1, "N1": 55, "N2": 9, "N3": 4, "N4": 8, "N5": 14, "N6": 1.5, "N7": 0.5, "N8": 5, "N9": 2,
}  # fmt: skip
CATEGORY_WEIGHTS = {"NEG": 48, "EMO": 38, "PHY": 7, "SAB": 4, "MUL": 3}
CLOSURE_WEIGHTS = {
    "RC1": 1, "RC2": 0.3, "RC3": 4, "RC4": 4, "RC5": 8, "RC6": 3, "RC7": 45, "RC8": 20, "RC9": 15,
}  # fmt: skip
SOURCE_WEIGHTS = {
    "1A": 1, "1B": 5, "1C": 1, "1D": 2, "2A": 17, "2B": 2, "3A": 3, "3B": 3, "3C": 1, "3D": 2,
    "3E": 3, "3F": 4, "4": 2, "5A": 5, "5B": 3, "5C": 2, "5D": 3, "6": 29, "7": 3, "8": 4,
    "9": 1, "10": 4,
}  # fmt: skip
MEETING_WEIGHTS = {"ICPC": 20, "RCPC": 30, "CLA": 20, "STRATEGY": 15, "MARAC": 10, "OTHER": 5}

TEAMS = (
    "Assessment team", "Child in need team", "Child protection team", "Front door (MASH)",
    "Disabled children's team", "Family support team", "Court and proceedings team",
)  # fmt: skip
EARLY_HELP_ORGANISATIONS = (
    "Early help hub", "School", "Children's centre", "Health visiting service",
    "Family support service", "Voluntary sector partner",
)  # fmt: skip
ROOTS = (
    "Ash", "Bram", "Cal", "Dun", "Ell", "Fen", "Gar", "Hal", "Ire", "Kel", "Lor", "Mar", "Nor",
    "Orm", "Pel", "Quen", "Ros", "Sal", "Tam", "Ul", "Ven", "Wyn", "Yar", "Zel",
)  # fmt: skip
STEMS = ("vale", "brook", "wick", "moor", "field", "stead", "holm", "thorpe", "combe", "mere")
FIRST_NAMES = (
    "Alex", "Sam", "Jo", "Priya", "Chris", "Morgan", "Taylor", "Jordan", "Casey", "Robin", "Ash",
    "Kit", "Remy", "Noor", "Dev", "Ola", "Femi", "Rowan", "Sasha", "Lee",
)  # fmt: skip
SURNAMES = (
    "Example", "Sample", "Placeholder", "Fictional", "Madeup", "Testcase", "Synthetic",
    "Invented", "Mockup", "Dummy", "Notreal", "Imaginary", "Pretend", "Specimen", "Prototype",
    "Fabricated",
)  # fmt: skip
HEALTH_AGENCIES = (
    "Integrated Care Board", "Community Health NHS Trust", "Hospitals NHS Foundation Trust",
    "Mental Health NHS Trust", "GP Federation", "Ambulance Service NHS Trust",
)  # fmt: skip
SCHOOL_AGENCIES = (
    "Primary School", "Academy", "Infant School", "High School", "Nursery School",
    "Pupil Referral Unit",
)  # fmt: skip
VOLUNTARY_AGENCIES = (
    "Refuge and IDVA Service", "Domestic Abuse Support Service", "Children's Counselling Project",
)  # fmt: skip
SENTENCES = (
    "Practitioners knew the child's history and used it to judge the current risk.",
    "Information was shared between agencies on the day it was received.",
    "The child's own account was recorded in their words and shaped the plan.",
    "Risk to the non-abusing parent was assessed alongside the risk to the child.",
    "Managers' oversight was recorded, but did not always say why decisions were made.",
    "The plan named what each agency would do, and by when, and was reviewed on time.",
    "The perpetrator's history was not drawn together for the professionals around the child.",
    "Health visitors asked about domestic abuse at every contact with the family.",
    "The referral said too little about what the child saw or heard.",
    "The MARAC action plan was shared with the school the next day.",
)


# --- What comes back ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GeneratedInspection:
    number: int  # 1-based, in this run
    inspection_id: int
    reference: str
    area_code: str
    lead_inspector_id: int
    size_factor: float
    children: int
    list_rows: int
    findings: int
    rows: int  # every row written for it, in every table
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass(slots=True)
class Generation:
    seed: int
    scale: Scale
    inspections: list[GeneratedInspection] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # table name -> rows written
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        lines = [
            f"Generated {len(self.inspections)} synthetic inspection(s), seed {self.seed}, "
            f"scale {self.scale.value}: {self.rows:,} rows in {self.seconds:.1f} s "
            f"({self.rows_per_second:,.0f} rows/s)."
        ]
        lines += [f"  {table:22} {count:>12,}" for table, count in sorted(self.counts.items())]
        if self.inspections:
            largest = max(self.inspections, key=lambda i: i.rows)
            lines.append(
                f"Largest area: {largest.reference} (size factor {largest.size_factor:.2f}), "
                f"{largest.children:,} children, {largest.list_rows:,} list rows, "
                f"{largest.rows:,} rows in {largest.seconds:.2f} s "
                f"({largest.rows_per_second:,.0f} rows/s)."
            )
            first = self.inspections[0]
            lines.append(
                f"First inspection: {first.reference} (id {first.inspection_id}), lead inspector "
                f"id {first.lead_inspector_id}: jtai token create --role inspector --inspector "
                f"{first.lead_inspector_id}"
            )
        return "\n".join(lines)


# --- The registry's contributions, read once ------------------------------------------------------


class _Codes:
    """Weighted draws from a registry code set; codes the weights do not name get weight 1."""

    def __init__(self, code_set: CodeSet, weights: Mapping[str, float]) -> None:
        self.codes = [c.code for c in code_set.codes]
        totals: list[float] = []
        total = 0.0
        for code in self.codes:
            total += weights.get(code, 1.0)
            totals.append(total)
        self.cumulative = totals

    def pick(self, rng: random.Random) -> str:
        return self.codes[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass(frozen=True, slots=True)
class _Catalogue:
    framework: str
    lead: str
    participants: tuple[str, ...]
    agency_kinds: Mapping[str, tuple[str, ...]]  # inspectorate -> the agency kinds it inspects
    specs: Mapping[str, ListSpec]
    list_requests: Mapping[str, str]  # list code -> request reference
    area_requests: tuple[tuple[str, tuple[str, ...], Deadline], ...]  # (reference, kinds, due)
    child_requests: tuple[tuple[str, tuple[str, ...], Deadline], ...]
    forms: tuple[tuple[str, EvidenceForm], ...]  # (inspectorate, form)
    criteria: tuple[tuple[str, str, str], ...]  # (code, title, leading inspectorate)
    all_criteria: tuple[str, ...]
    milestones: Mapping[str, Deadline]
    gender: _Codes
    ethnicity: _Codes
    primary_need: _Codes
    category: _Codes
    closure: _Codes
    source: _Codes
    meeting: _Codes


def _catalogue(registry: Registry, framework: str) -> _Catalogue:
    if registry.framework(framework) is None:
        raise GenerateError(f"framework {framework!r} is not installed; install its plugin.")
    specs: dict[str, ListSpec] = {}
    list_requests: dict[str, str] = {}
    area_requests = []
    child_requests = []
    for owned in registry.document_requests_of(framework):
        request = owned.item
        kinds = tuple(k.value for k in request.addressed_to)
        if request.list_spec is not None:
            specs[request.list_spec.code] = request.list_spec
            list_requests[request.list_spec.code] = request.reference
        if request.scope is RequestScope.TRACKED_CHILD:
            child_requests.append((request.reference, kinds, request.deadline))
        else:
            area_requests.append((request.reference, kinds, request.deadline))
    wanted = (*SELECTION_LISTS, *SAMPLING_LISTS, EXTRA_FIELDS_LIST, MEETINGS_LIST)
    missing = [code for code in wanted if code not in specs]
    if missing:
        raise GenerateError(
            f"framework {framework!r} has no request for the list(s) {', '.join(missing)}; the "
            "generator writes the Annex A lists of the lead inspectorate's plugin."
        )

    def codes(code: str, weights: Mapping[str, float]) -> _Codes:
        code_set = registry.code_set(code)
        if code_set is None:
            raise GenerateError(f"no plugin contributes the code set {code!r}.")
        return _Codes(code_set, weights)

    criteria = tuple(
        (o.item.code, o.item.title, o.owner)
        for o in registry.criteria_of(framework)
        if not o.item.reference_only
    )
    if not criteria:
        raise GenerateError(f"framework {framework!r} has no criteria that findings can cite.")
    participants = tuple(i.code for i in registry.participants(framework))
    return _Catalogue(
        framework=framework,
        lead=registry.framework_lead(framework),
        participants=participants,
        agency_kinds={
            i.code: tuple(k.value for k in i.agency_kinds) for i in registry.participants(framework)
        },
        specs=specs,
        list_requests=list_requests,
        area_requests=tuple(area_requests),
        child_requests=tuple(child_requests),
        forms=tuple((o.owner, o.item) for o in registry.evidence_forms_of(framework)),
        criteria=criteria,
        all_criteria=tuple(o.item.code for o in registry.criteria_of(framework)),
        milestones={o.item.code: o.item.deadline for o in registry.milestones_of(framework)},
        gender=codes("gender", GENDER_WEIGHTS),
        ethnicity=codes("ethnicity", ETHNICITY_WEIGHTS),
        primary_need=codes("primary-need", PRIMARY_NEED_WEIGHTS),
        category=codes("category-of-abuse", CATEGORY_WEIGHTS),
        closure=codes("reason-for-closure", CLOSURE_WEIGHTS),
        source=codes("referral-source", SOURCE_WEIGHTS),
        meeting=codes("meeting-type", MEETING_WEIGHTS),
    )


# --- Sizes and dates ------------------------------------------------------------------------------


def size_factor(rng: random.Random) -> float:
    """An area's size relative to the average: log-normal with mean 1, clipped."""
    value = rng.lognormvariate(-(SIZE_SIGMA**2) / 2, SIZE_SIGMA)
    return min(max(value, SIZE_CLIP[0]), SIZE_CLIP[1])


def list_sizes(scale: Scale, factor: float, rng: random.Random) -> dict[str, int]:
    sizes = {}
    for code, average in AVERAGE_ROWS.items():
        base = rng.uniform(*CONTACTS_SPREAD) if code == "contacts" else average
        # Meetings in one week grow more slowly than caseloads.
        grow = math.sqrt(factor) if code == MEETINGS_LIST else factor
        rows = round(base * grow * SCALE_FACTOR[scale] * rng.uniform(0.9, 1.1))
        sizes[code] = max(rows, MINIMUM_ROWS[code])
    return sizes


def notification_dates(count: int, start: dt.date, end: dt.date, weekday: int) -> list[dt.date]:
    """``count`` working days on ``weekday`` spread evenly (in order) over ``start``..``end``."""
    days = []
    day = start + dt.timedelta(days=(weekday - start.weekday()) % 7)
    while day <= end:
        if ENGLAND_AND_WALES.is_working_day(day):
            days.append(day)
        day += dt.timedelta(weeks=1)
    if not days:
        raise GenerateError(f"no working day on weekday {weekday} between {start} and {end}.")
    return [days[n * len(days) // count] for n in range(count)]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """London wall-clock time on ``day``, as UTC."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(dt.UTC)


def _between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint(low, high)``, several times faster (it matters for millions of draws)."""
    return low + int(rng.random() * (high - low + 1))


def _weighted(rng: random.Random, items: Sequence[T], cumulative: Sequence[float]) -> T:
    """One of ``items`` by cumulative weights (``rng.choices`` is several times slower)."""
    return items[bisect(cumulative, rng.random() * cumulative[-1])]


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


# --- Children and their list rows -----------------------------------------------------------------


@dataclass(slots=True)
class _Kid:
    local_id: str
    gender: str
    ethnicity: str
    born: dt.date | None
    expected: dt.date | None
    disabled: bool
    domestic_abuse: bool
    lists: set[str] = field(default_factory=set)
    id: int = 0


DISABILITY_LISTS = frozenset(
    ("children-in-need", "child-protection-plans", "assessments", "section-47")
)


class _Area:
    """One inspection's children and list rows, drawn from its own random stream."""

    def __init__(
        self, catalogue: _Catalogue, rng: random.Random, notified: dt.date, sizes: dict[str, int]
    ) -> None:
        self.c = catalogue
        self.rng = rng
        self.notified = notified
        self.sizes = sizes
        self.da_rate = rng.uniform(*DOMESTIC_ABUSE_RATE)
        self.ids = iter(rng.sample(range(1_000_000, 9_999_999), sum(sizes.values()) + 100))
        self.kids: list[_Kid] = []
        self.members: dict[str, list[_Kid]] = {}
        self.teams = [f"{name} {n}" for name in TEAMS for n in (1, 2, 3)]
        self.workers = max(8, sizes["children-in-need"] // 18)

    def _new(self, unborn_rate: float) -> _Kid:
        rng = self.rng
        notified = self.notified
        if rng.random() < unborn_rate:
            born = None
            expected = notified + dt.timedelta(days=_between(rng, 14, 250))
            gender = "U"
        else:
            low, high, _ = _weighted(rng, AGE_BANDS, (6, 25, 52, 86, 100))
            age_days = _between(rng, low * 365, high * 365 + 364)
            born = notified - dt.timedelta(days=max(age_days, 1))
            expected = None
            gender = self.c.gender.pick(rng)
        kid = _Kid(
            local_id=f"SYN{next(self.ids)}",
            gender=gender,
            ethnicity=self.c.ethnicity.pick(rng),
            born=born,
            expected=expected,
            disabled=rng.random() < DISABILITY_RATE,
            domestic_abuse=rng.random() < self.da_rate,
        )
        self.kids.append(kid)
        return kid

    def _fill(self, code: str, pools: Sequence[tuple[str, float]]) -> None:
        """The list's children: shares drawn from earlier lists, the rest new children."""
        size = self.sizes[code]
        chosen: dict[str, _Kid] = {}
        for pool_code, share in pools:
            pool = self.members[pool_code]
            for kid in self.rng.sample(pool, min(len(pool), round(share * size))):
                chosen.setdefault(kid.local_id, kid)
        unborn = UNBORN_RATE.get(code, UNBORN_RATE["default"])
        while len(chosen) < size:
            kid = self._new(unborn)
            chosen[kid.local_id] = kid
        members = sorted(chosen.values(), key=lambda k: k.local_id)
        for kid in members:
            kid.lists.add(code)
        self.members[code] = members

    def draw_children(self) -> None:
        self._fill("children-in-need", ())
        self._fill("child-protection-plans", (("children-in-need", 0.85),))
        self._fill("referrals", (("children-in-need", 0.35),))
        self._fill("assessments", (("referrals", 0.5), ("children-in-need", 0.2)))
        self._fill("section-47", (("assessments", 0.6), ("child-protection-plans", 0.2)))
        self._fill("early-help", (("children-in-need", 0.1),))
        self._fill("contacts", (("referrals", 0.3), ("early-help", 0.1)))
        # Small areas still give the lead inspector 20 children to choose from.
        flagged = [k for k in self.selectable() if k.domestic_abuse]
        for kid in self.members["children-in-need"]:
            if len(flagged) >= SELECTED:
                break
            if not kid.domestic_abuse:
                kid.domestic_abuse = True
                flagged.append(kid)

    def selectable(self) -> list[_Kid]:
        """Children on the lists of children in need or on plans, each once, in ID order."""
        seen = {k.local_id: k for code in SELECTION_LISTS for k in self.members[code]}
        return [seen[local_id] for local_id in sorted(seen)]

    def child_row(self, kid: _Kid) -> dict[str, Any]:
        on_disability_list = not kid.lists.isdisjoint(DISABILITY_LISTS)
        on_selection_list = not kid.lists.isdisjoint(SELECTION_LISTS)
        return {
            "local_id": kid.local_id,
            "gender": kid.gender,
            "ethnicity": kid.ethnicity,
            "date_of_birth": kid.born,
            "expected_date_of_birth": kid.expected,
            "has_disability": kid.disabled if on_disability_list else None,
            "lives_with_domestic_abuse": kid.domestic_abuse if on_selection_list else None,
        }

    # Values, field by field, as core.lists.read_list types them (JSON-ready: dates as ISO).

    def _common(self, kid: _Kid) -> dict[str, Any]:
        age = None
        if kid.born is not None:
            n, b = self.notified, kid.born
            age = n.year - b.year - ((n.month, n.day) < (b.month, b.day))
        return {
            "child_id": kid.local_id,
            "gender": kid.gender,
            "ethnicity": kid.ethnicity,
            "date_of_birth": _iso(kid.born),
            "expected_date_of_birth": _iso(kid.expected),
            "age_years": age,
        }

    def _since(self, kid: _Kid, days_back: int) -> dt.date:
        """A date up to ``days_back`` days before notification, not before the child's birth."""
        day = self.notified - dt.timedelta(days=_between(self.rng, 0, days_back))
        if kid.born is not None and day < kid.born:
            return kid.born
        return day

    def _recent(self, kid: _Kid, mean_days: float, longest: int) -> dt.date:
        back = min(int(self.rng.expovariate(1 / mean_days)), longest)
        day = self.notified - dt.timedelta(days=back)
        return max(day, kid.born) if kid.born is not None else day

    def _allocated(self) -> tuple[str | None, str | None]:
        if self.rng.random() < 0.05:
            return None, None
        return self.rng.choice(self.teams), f"SW-{_between(self.rng, 1, self.workers):04d}"

    def _yes(self, rate: float) -> bool:
        return self.rng.random() < rate

    def values(self, code: str, kid: _Kid) -> dict[str, Any]:
        rng = self.rng
        row = self._common(kid)
        if code == "children-in-need":
            start = self._recent(kid, 300, 6 * 365)
            closed = self._yes(0.18)
            closure = max(start, self.notified - dt.timedelta(days=_between(rng, 1, 90)))
            team, worker = self._allocated()
            row |= {
                "disability": kid.disabled,
                "cin_start_date": start.isoformat(),
                "primary_need": self.c.primary_need.pick(rng),
                "date_last_seen": max(start, self._since(kid, 60)).isoformat(),
                "cin_closure_date": closure.isoformat() if closed else None,
                "reason_for_closure": self.c.closure.pick(rng) if closed else None,
                "allocated_team": team,
                "allocated_worker": worker,
                "domestic_abuse": kid.domestic_abuse,
            }
        elif code == "child-protection-plans":
            start = self._recent(kid, 240, 3 * 365)
            initial = self.c.category.pick(rng)
            ended = self._yes(0.2)
            team, worker = self._allocated()
            row |= {
                "disability": kid.disabled,
                "cp_plan_start_date": start.isoformat(),
                "initial_category_of_abuse": initial,
                "latest_category_of_abuse": initial
                if self._yes(0.85)
                else self.c.category.pick(rng),
                "last_statutory_visit_date": max(start, self._since(kid, 20)).isoformat(),
                "seen_within_plan_timescales": self._yes(0.88),
                "seen_alone": None if kid.born is None else self._yes(0.7),
                "cp_plan_end_date": max(start, self._since(kid, 90)).isoformat() if ended else None,
                "order_last_six_months": self._yes(0.08),
                "previous_cp_plans": _weighted(rng, (0, 1, 2, 3), (70, 90, 97, 100)),
                "allocated_team": team,
                "allocated_worker": worker,
                "domestic_abuse": kid.domestic_abuse,
            }
        elif code == "contacts":
            row |= {
                "contact_date": self._since(kid, 91).isoformat(),
                "contact_source": self.c.source.pick(rng),
            }
        elif code == "early-help":
            done = self._yes(0.75)
            row |= {
                "assessment_completion_date": self._since(kid, 182).isoformat() if done else None,
                "assessing_organisation": rng.choice(EARLY_HELP_ORGANISATIONS),
            }
        elif code == "referrals":
            team, worker = self._allocated()
            row |= {
                "referral_date": self._since(kid, 91).isoformat(),
                "referral_source": self.c.source.pick(rng),
                "referral_nfa": self._yes(0.1),
                "referrals_last_12_months": _weighted(rng, (1, 2, 3, 4), (70, 90, 97, 100)),
                "allocated_team": team,
                "allocated_worker": worker,
            }
        elif code == "assessments":
            start = self._since(kid, 182)
            authorised = start + dt.timedelta(days=_between(rng, 5, 45))
            team, worker = self._allocated()
            row |= {
                "disability": kid.disabled,
                "assessment_start_date": start.isoformat(),
                "child_seen": self._yes(0.92),
                "assessment_authorised_date": authorised.isoformat()
                if authorised <= self.notified and self._yes(0.9)
                else None,
                "allocated_team": team,
                "allocated_worker": worker,
            }
        elif code == "section-47":
            start = self._since(kid, 182)
            not_required = self._yes(0.45)
            conference = start + dt.timedelta(days=_between(rng, 5, 15))
            held = not not_required and conference <= self.notified
            team, worker = self._allocated()
            row |= {
                "disability": kid.disabled,
                "s47_start_date": start.isoformat(),
                "s47_last_12_months": _weighted(rng, (1, 2, 3), (80, 95, 100)),
                "icpc_not_required": not_required,
                "icpc_date": conference.isoformat() if held else None,
                "icpc_resulted_in_plan": self._yes(0.8) if held else None,
                "icpcs_last_12_months": (1 if held else 0) + int(rng.random() < 0.1),
                "allocated_team": team,
                "allocated_worker": worker,
            }
        else:
            raise GenerateError(f"no values are written for list {code!r}.")
        return row

    def extra_fields(self, kid: _Kid) -> dict[str, Any]:
        rng = self.rng
        looked_after = self._yes(0.1)
        elsewhere = looked_after and self._yes(0.3)
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        return {
            "child_id": kid.local_id,
            "known_to_yot": self._yes(0.08),
            "nps_working_with_adult": self._yes(0.3),
            "crc_working_with_adult": self._yes(0.25),
            "police_investigation_or_proceedings": self._yes(0.2),
            "adult_court_orders": self._yes(0.25),
            "looked_after": looked_after,
            "looking_after_authority": "Another synthetic council" if elsewhere else None,
            # The ZZ postcode area does not exist.
            "postcode": f"ZZ{_between(rng, 1, 99)} {_between(rng, 0, 9)}"
            f"{rng.choice(letters)}{rng.choice(letters)}",
        }

    def meeting(self, on_site: Sequence[dt.date], children: Sequence[_Kid]) -> dict[str, Any]:
        rng = self.rng
        about = rng.sample(list(children), min(len(children), _between(rng, 1, 3)))
        return {
            "meeting_type": self.c.meeting.pick(rng),
            "meeting_date": rng.choice(on_site).isoformat(),
            "meeting_time": f"{_between(rng, 9, 15):02d}:{rng.choice((0, 30)):02d}",
            "children": ", ".join(k.local_id for k in about),
            "venue": f"Civic centre, room {_between(rng, 1, 12)} (synthetic)",
        }


# --- Evidence answers, from the forms themselves --------------------------------------------------


def _sentences(rng: random.Random, count: int) -> str:
    return " ".join(rng.sample(SENTENCES, count)) + " " + SYNTHETIC


def answer(
    question: Question,
    rng: random.Random,
    notified: dt.date,
    kid: _Kid | None,
    reference: str,
) -> Any:
    """A valid answer to ``question``, stored as the GraphQL mutation stores one."""
    kind = question.kind
    if kind is QuestionKind.SUMMARY:
        return _sentences(rng, _between(rng, 2, 4))
    if kind is QuestionKind.TEXT:
        if question.code in ("case_number", "case_reference"):
            return kid.local_id if kid is not None else f"S7-{reference}-{_between(rng, 1, 99):02d}"
        if question.code == "child_age" and kid is not None:
            if kid.born is None:
                return "unborn"
            return f"{(notified - kid.born).days // 365} years"
        return f"Synthetic note {_between(rng, 1, 999)}."
    if kind is QuestionKind.YES_NO:
        if question.code == "living_with_domestic_abuse" and kid is not None:
            return kid.domestic_abuse
        return rng.random() < 0.6
    if kind is QuestionKind.INTEGER:
        return _between(rng, 0, 10)
    if kind is QuestionKind.DATE:
        return (notified - dt.timedelta(days=_between(rng, 0, 182))).isoformat()
    codes = [c.code for c in question.choices]
    if kind is QuestionKind.MULTI_CHOICE:
        return rng.sample(codes, _between(rng, 1, min(3, len(codes))))
    return rng.choice(codes)


def answers_for(
    form: EvidenceForm,
    rng: random.Random,
    notified: dt.date,
    kid: _Kid | None,
    reference: str,
    criteria: Sequence[str],
) -> dict[str, Any]:
    """Every question of the form, as the mutation stores it: required ones answered, most
    optional ones too, unanswered ones None; sometimes criteria the inspector cites."""
    answers: dict[str, Any] = {}
    for question in form.questions:
        answered = question.required or rng.random() < 0.7
        answers[question.code] = (
            answer(question, rng, notified, kid, reference) if answered else None
        )
    if criteria and rng.random() < 0.2:
        answers["jtai_cited_criteria"] = rng.sample(list(criteria), 2)  # core.workflow.evidence
    return answers


# --- Writing --------------------------------------------------------------------------------------


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


class _Writer:
    """Bulk inserts on one connection, counting rows per table.

    PostgreSQL (psycopg): COPY, in the connection's transaction (its executemany sends one INSERT
    per row, several times slower). SQLite: the driver's executemany for tables of integer, text,
    boolean, date and JSON columns, converting values as SQLAlchemy's types store them (dates as
    ISO text, JSON as text) without its per-row parameter processing; SQLAlchemy Core for the rest.
    """

    PLAIN = (Integer, String, Boolean, Date, JSON)

    def __init__(self, connection: Connection, counts: dict[str, int]) -> None:
        self.connection = connection
        self.counts = counts
        self.rows = 0

    def _count(self, name: str, rows: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + rows
        self.rows += rows

    def insert(self, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        table = _table(name)
        columns = list(rows[0])
        if self.connection.dialect.driver == "psycopg":
            self._copy(table, columns, rows)
        elif all(isinstance(table.c[c].type, self.PLAIN) for c in columns):
            self._executemany(table, columns, rows)
        else:
            for start in range(0, len(rows), BATCH):
                self.connection.execute(insert(table), list(rows[start : start + BATCH]))
        self._count(name, len(rows))

    def _executemany(
        self, table: Table, columns: list[str], rows: Sequence[Mapping[str, Any]]
    ) -> None:
        quote = self.connection.dialect.identifier_preparer.quote  # 'values' is a keyword
        plan = [
            (c, _json_text if isinstance(kind, JSON) else _iso if isinstance(kind, Date) else None)
            for c in columns
            for kind in [table.c[c].type]
        ]
        names = ", ".join(quote(column) for column in columns)
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"
        for start in range(0, len(rows), BATCH):
            batch = [
                tuple(row[c] if f is None else f(row[c]) for c, f in plan)
                for row in rows[start : start + BATCH]
            ]
            self.connection.exec_driver_sql(statement, batch)

    def _copy(self, table: Table, columns: list[str], rows: Sequence[Mapping[str, Any]]) -> None:
        quote = self.connection.dialect.identifier_preparer.quote
        plan = [(c, _json_text if isinstance(table.c[c].type, JSON) else None) for c in columns]
        names = ", ".join(quote(column) for column in columns)
        driver = self.connection.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([row[c] if f is None else f(row[c]) for c, f in plan])

    def insert_ids(self, name: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert and return the new ids in the order of ``rows``."""
        if not rows:
            return []
        table = _table(name)
        ids: list[int] = []
        for start in range(0, len(rows), BATCH):
            statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            result = self.connection.execute(statement, list(rows[start : start + BATCH]))
            ids.extend(result.scalars())
        self._count(name, len(rows))
        return ids


def _inspectors(
    catalogue: _Catalogue, seed: int, inspections: int, rng: random.Random
) -> list[dict[str, Any]]:
    rows = []
    for code in sorted(catalogue.participants):
        per_team = TEAM_SIZE.get(code, DEFAULT_TEAM_SIZE)
        for number in range(1, per_team * (inspections // 6 + 2) + 1):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
            rows.append(
                {
                    "name": name,
                    "email": f"syn{seed}.{code}.{number:03d}@example.org",
                    "inspectorate": code,
                }
            )
    return rows


def _agencies(area: str, rng: random.Random) -> list[tuple[str, str]]:
    kinds = AgencyKind
    agencies = [
        (kinds.LOCAL_AUTHORITY, f"{area} Council children's services"),
        (kinds.SAFEGUARDING_PARTNERSHIP, f"{area} Safeguarding Children Partnership"),
        (kinds.POLICE, f"{area} Constabulary"),
        (kinds.PROBATION, f"Probation Service, {area} delivery unit"),
        (kinds.PROBATION, f"{area} Community Rehabilitation Company"),
        (kinds.YOUTH_OFFENDING_TEAM, f"{area} Youth Justice Service"),
        (kinds.CAFCASS, f"Cafcass, {area} service area"),
    ]
    agencies += [
        (kinds.HEALTH, f"{area} {name}")
        for name in HEALTH_AGENCIES[: _between(rng, 3, len(HEALTH_AGENCIES))]
    ]
    agencies += [
        (kinds.SCHOOL, f"{area} {name}")
        for name in rng.sample(SCHOOL_AGENCIES, _between(rng, 2, len(SCHOOL_AGENCIES)))
    ]
    agencies += [
        (kinds.VOLUNTARY_SECTOR, f"{area} {name}")
        for name in VOLUNTARY_AGENCIES[: _between(rng, 1, len(VOLUNTARY_AGENCIES))]
    ]
    return [(kind.value, name) for kind, name in agencies]


@dataclass(frozen=True, slots=True)
class _Run:
    catalogue: _Catalogue
    seed: int
    scale: Scale
    inspectors: Mapping[str, list[int]]  # inspectorate -> ids
    dates: Sequence[dt.date]
    findings: tuple[int, int]
    focus_findings: int | None


def _received(
    rng: random.Random, due: dt.datetime, on_time: float, late: float
) -> dt.datetime | None:
    """When a request was answered: before its due time, after it, or (None) not yet."""
    draw = rng.random()
    if draw < on_time:
        return due - dt.timedelta(minutes=_between(rng, 10, 60 * 30))
    if draw < on_time + late:
        return due + dt.timedelta(minutes=_between(rng, 10, 60 * 48))
    return None


def _check_fields(spec: ListSpec, values: Mapping[str, Any]) -> None:
    expected = {f.name for f in spec.fields}
    if set(values) != expected:
        missing = sorted(expected - set(values))
        extra = sorted(set(values) - expected)
        raise GenerateError(
            f"list {spec.code!r}: the generator writes fields that the plugin's specification "
            f"does not match (missing {missing}, unknown {extra}); update core/generate.py."
        )


KIND_WEIGHTS = (("strength", 45), ("area_for_improvement", 45), ("priority_action", 10))
TITLES = {
    "strength": "{title}: practice is consistently strong",
    "area_for_improvement": "{title}: practice is not yet consistent",
    "priority_action": "{title}: agencies must act now",
}


class _Inspection:
    """Writes one inspection, step by step, from its own random stream."""

    def __init__(self, run: _Run, number: int, writer: _Writer) -> None:
        self.run = run
        self.c = run.catalogue
        self.number = number
        self.writer = writer
        self.rng = random.Random(f"jtai-generate:{run.seed}:{number}")
        self.notified = run.dates[number - 1]
        self.reference = f"JTAI-SYN{run.seed}-{number:03d}"
        self.area_code = f"ZZ-{run.seed}-{number:03d}"
        self.created = _at(self.notified, 8)
        weeks = inspection_weeks(self.notified)
        self.fieldwork_ends = weeks[-1].ends
        days = [weeks[-1].starts + dt.timedelta(days=d) for d in range(5)]
        self.on_site = [d for d in days if ENGLAND_AND_WALES.is_working_day(d)] or days[:1]
        self.inspection_id = 0
        self.lead_id = 0
        self.team: dict[str, list[int]] = {}
        self.agencies: list[tuple[int, str]] = []  # (id, kind)
        self.list_requests: dict[str, tuple[int, dt.datetime]] = {}  # code -> (id, received)
        self.area_name = ""
        self.selected: list[_Kid] = []
        self.track_due = self.created

    def _time_on_site(self) -> dt.datetime:
        return _at(
            self.rng.choice(self.on_site), _between(self.rng, 9, 16), _between(self.rng, 0, 59)
        )

    def _milestone(self, code: str, fallback_day: int) -> dt.datetime:
        deadline = self.c.milestones.get(code)
        if deadline is None:
            return _at(self.notified + dt.timedelta(days=fallback_day), 12)
        return due_at(deadline, self.notified).astimezone(dt.UTC)

    def write(self) -> GeneratedInspection:
        started = time.perf_counter()
        rows_before = self.writer.rows
        factor = size_factor(self.rng)
        area = _Area(self.c, self.rng, self.notified, list_sizes(self.run.scale, factor, self.rng))
        self._set_up()
        self._area_requests()
        list_rows = self._lists(area)
        tracked, sampled = self._selections(area)
        self._child_requests(tracked)
        evidence = self._evidence(tracked, sampled)
        findings = self._findings(evidence)
        return GeneratedInspection(
            number=self.number,
            inspection_id=self.inspection_id,
            reference=self.reference,
            area_code=self.area_code,
            lead_inspector_id=self.lead_id,
            size_factor=factor,
            children=len(area.kids),
            list_rows=list_rows,
            findings=findings,
            rows=self.writer.rows - rows_before,
            seconds=time.perf_counter() - started,
        )

    def _set_up(self) -> None:
        """The area, its agencies, the inspection and its team."""
        rng, writer = self.rng, self.writer
        self.area_name = f"{rng.choice(ROOTS)}{rng.choice(STEMS)}"
        [area_id] = writer.insert_ids(
            "local_areas", [{"code": self.area_code, "name": f"{self.area_name} (synthetic area)"}]
        )
        agencies = _agencies(self.area_name, rng)
        ids = writer.insert_ids(
            "agencies",
            [{"area_id": area_id, "kind": kind, "name": name} for kind, name in agencies],
        )
        self.agencies = [(i, kind) for i, (kind, _) in zip(ids, agencies, strict=True)]
        [self.inspection_id] = writer.insert_ids(
            "inspections",
            [
                {
                    "reference": self.reference,
                    "area_id": area_id,
                    "framework": self.c.framework,
                    "notification_date": self.notified,
                    "created_at": self.created,
                }
            ],
        )
        for code in sorted(self.c.participants):
            pool = self.run.inspectors[code]
            size = min(len(pool), TEAM_SIZE.get(code, DEFAULT_TEAM_SIZE))
            self.team[code] = rng.sample(pool, size)
        self.lead_id = self.team[self.c.lead][0]
        writer.insert(
            "team_members",
            [
                {
                    "inspection_id": self.inspection_id,
                    "inspector_id": i,
                    "is_lead": i == self.lead_id,
                }
                for code in sorted(self.team)
                for i in self.team[code]
            ],
        )

    def _request_row(
        self, reference: str, agency_id: int, due: dt.datetime, child_id: int | None,
        issued: dt.datetime, received: dt.datetime | None,
    ) -> dict[str, Any]:  # fmt: skip
        return {
            "inspection_id": self.inspection_id,
            "reference": reference,
            "agency_id": agency_id,
            "child_id": child_id,
            "child_key": child_id or 0,
            "due_at": due,
            "issued_at": issued,
            "received_at": received,
        }

    def _area_requests(self) -> None:
        """Every once-per-area request, to every agency it addresses. Lists have all arrived (a
        tenth late); other requests mostly on time, some late, some still outstanding."""
        rng = self.rng
        list_of = {reference: code for code, reference in self.c.list_requests.items()}
        rows = []
        for reference, kinds, deadline in self.c.area_requests:
            due = due_at(deadline, self.notified).astimezone(dt.UTC)
            for agency_id, kind in self.agencies:
                if kind in kinds:
                    on_time, late = (0.9, 0.1) if reference in list_of else (0.8, 0.12)
                    received = _received(rng, due, on_time, late)
                    rows.append(
                        self._request_row(reference, agency_id, due, None, self.created, received)
                    )
        ids = self.writer.insert_ids("issued_requests", rows)
        for request_id, row in zip(ids, rows, strict=True):
            code = list_of.get(row["reference"])
            if code is not None and code not in self.list_requests:
                self.list_requests[code] = (request_id, row["received_at"])

    def _lists(self, area: _Area) -> int:
        """The children, once each, then one upload per list with a row per child."""
        writer = self.writer
        area.draw_children()
        children = _table("children")
        writer.insert(
            "children",
            [{"inspection_id": self.inspection_id, **area.child_row(k)} for k in area.kids],
        )
        ids = dict(
            writer.connection.execute(
                select(children.c.local_id, children.c.id).where(
                    children.c.inspection_id == self.inspection_id
                )
            ).all()
        )
        for kid in area.kids:
            kid.id = ids[kid.local_id]
        self.selected = self.rng.sample(
            [k for k in area.selectable() if k.domestic_abuse], SELECTED
        )
        values: dict[str, list[tuple[int | None, dict[str, Any]]]] = {
            code: [(k.id, area.values(code, k)) for k in area.members[code]]
            for code in (*SELECTION_LISTS, *SAMPLING_LISTS)
        }
        values[EXTRA_FIELDS_LIST] = [
            (k.id, area.extra_fields(k)) for k in sorted(self.selected, key=lambda k: k.local_id)
        ]
        values[MEETINGS_LIST] = [
            (None, area.meeting(self.on_site, self.selected))
            for _ in range(area.sizes[MEETINGS_LIST])
        ]
        uploads = []
        for code, rows in values.items():
            _check_fields(self.c.specs[code], rows[0][1])
            request_id, received = self.list_requests[code]
            digest = hashlib.sha256(f"{self.reference}:{code}:{len(rows)}".encode()).hexdigest()
            uploads.append(
                {
                    "inspection_id": self.inspection_id,
                    "request_id": request_id,
                    "list_code": code,
                    "filename": f"{code}.csv",
                    "sha256": digest,
                    "row_count": len(rows),
                    "query_summary": summary_json(NO_PROBLEMS),
                    "uploaded_at": received,
                }
            )
        upload_ids = writer.insert_ids("list_uploads", uploads)
        list_rows = [
            {
                "inspection_id": self.inspection_id,
                "child_id": child_id,
                "upload_id": upload_id,
                "list_code": code,
                "row_number": row_number,
                "values": row_values,
            }
            for upload_id, (code, rows) in zip(upload_ids, values.items(), strict=True)
            for row_number, (child_id, row_values) in enumerate(rows, start=2)  # 1: headers
        ]
        writer.insert("list_rows", list_rows)
        return len(list_rows)

    def _selections(self, area: _Area) -> tuple[list[_Kid], list[tuple[_Kid, str]]]:
        """The 20 (all flagged 'living with domestic abuse' on a selection list), 5-7 of them
        tracked, and children sampled from the child-level lists, each on time."""
        rng = self.rng
        selected = self.selected
        tracked = rng.sample(selected, _between(rng, *TRACKED))
        sampled: list[tuple[_Kid, str]] = []
        taken: set[str] = set()
        for _ in range(_between(rng, *SAMPLED)):
            code = rng.choice(SAMPLING_LISTS)
            kid = rng.choice(area.members[code])
            if kid.local_id not in taken:
                taken.add(kid.local_id)
                sampled.append((kid, code))
        self.track_due = self._milestone("name-tracked-children", 2)
        select_due = self._milestone("select-children", 1)
        members = [i for code in sorted(self.team) for i in self.team[code]]

        def row(kid: _Kid, kind: str, at: dt.datetime, by: int, **extra: Any) -> dict[str, Any]:
            return {
                "inspection_id": self.inspection_id,
                "child_id": kid.id,
                "kind": kind,
                "chosen_at": at,
                "chosen_by_id": by,
                "late": False,
                "reason": extra.get("reason"),
                "list_code": extra.get("list_code"),
            }

        rows = [
            row(
                kid,
                "selected",
                select_due - dt.timedelta(minutes=_between(rng, 30, 240)),
                self.lead_id,
                reason=None if rng.random() < 0.5 else f"Range of needs and ages. {SYNTHETIC}",
            )
            for kid in selected
        ]
        rows += [
            row(
                kid,
                "tracked",
                self.track_due - dt.timedelta(minutes=_between(rng, 30, 240)),
                self.lead_id,
            )
            for kid in tracked
        ]
        rows += [
            row(
                kid,
                "sampled",
                self._time_on_site(),
                rng.choice(members),
                reason=f"Sampled from the {code} list to test thresholds. {SYNTHETIC}",
                list_code=code,
            )
            for kid, code in sampled
        ]
        self.writer.insert("child_selections", rows)
        return tracked, sampled

    def _child_requests(self, tracked: Sequence[_Kid]) -> None:
        """The per-child requests (case files, joint evaluation, consent) for tracked children."""
        rows = []
        for kid in tracked:
            for reference, kinds, deadline in self.c.child_requests:
                due = due_at(deadline, self.notified).astimezone(dt.UTC)
                for agency_id, kind in self.agencies:
                    if kind in kinds:
                        received = _received(self.rng, due, 0.8, 0.12)
                        rows.append(
                            self._request_row(
                                reference, agency_id, due, kid.id, self.track_due, received
                            )
                        )
        self.writer.insert("issued_requests", rows)

    def _evidence_row(
        self, inspectorate: str, form: EvidenceForm, by: int, kid: _Kid | None = None,
        agency_id: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        rng = self.rng
        answers = answers_for(form, rng, self.notified, kid, self.reference, self.c.all_criteria)
        final = rng.random() < 0.9
        if not final:
            # A draft may leave a required text blank or a multiple choice unticked for later
            # (core.workflow.evidence); required answers are never null, the types say so.
            blanks = [q for q in form.questions if q.required and evidence_rules.needs_text(q)]
            if blanks:
                question = rng.choice(blanks)
                multi = question.kind is QuestionKind.MULTI_CHOICE
                answers[question.code] = [] if multi else ""
        recorded = self._time_on_site()
        return {
            "inspection_id": self.inspection_id,
            "inspectorate": inspectorate,
            "form": form.code,
            "child_id": kid.id if kid is not None else None,
            "agency_id": agency_id,
            "status": "final" if final else "draft",
            "answers": answers,
            "recorded_by_id": by,
            "recorded_at": recorded,
            "updated_at": recorded + dt.timedelta(minutes=_between(rng, 0, 600)),
        }

    def _evidence(self, tracked: Sequence[_Kid], sampled: Sequence[tuple[_Kid, str]]) -> list[int]:
        """Evidence with every form of the framework whose inspectorate is on the team: a
        case-tracking record per tracked child from one or two inspectors, a sampling record per
        sampled child, an agency record per agency the inspectorate inspects (three for the
        Cafcass section 7 cases the lead inspectorate reads), one per area form. Returns the ids
        of the final records."""
        rng = self.rng
        rows = []
        for code, form in self.c.forms:
            team = self.team.get(code)
            if not team:
                continue
            if form.subject is EvidenceSubject.TRACKED_CHILD:
                for kid in tracked:
                    for by in rng.sample(team, min(len(team), _between(rng, 1, 2))):
                        rows.append(self._evidence_row(code, form, by, kid))
            elif form.subject is EvidenceSubject.SAMPLED_CHILD:
                rows += [
                    self._evidence_row(code, form, rng.choice(team), kid) for kid, _ in sampled
                ]
            elif form.subject is EvidenceSubject.AGENCY:
                kinds = set(self.c.agency_kinds.get(code, ()))
                if code == self.c.lead:
                    kinds = {AgencyKind.CAFCASS.value}
                for agency_id, kind in self.agencies:
                    if kind in kinds:
                        repeats = 3 if kind == AgencyKind.CAFCASS.value else 1
                        rows += [
                            self._evidence_row(code, form, rng.choice(team), agency_id=agency_id)
                            for _ in range(repeats)
                        ]
            else:
                rows.append(self._evidence_row(code, form, team[0]))
        ids = self.writer.insert_ids("evidence_records", rows)
        return [i for i, row in zip(ids, rows, strict=True) if row["status"] == "final"]

    def _findings(self, final_evidence: Sequence[int]) -> int:
        """Published findings citing 1-3 criteria, agencies of the kinds the criteria's leading
        inspectorates inspect, and 1-4 final records; agreed by the first inspector of every
        inspectorate taking part a week before the letter; then the published report."""
        rng, c, writer = self.rng, self.c, self.writer
        focus = self.run.focus_findings
        count = (
            focus if self.number == 1 and focus is not None else _between(rng, *self.run.findings)
        )
        drafted = _at(self.fieldwork_ends, 16)
        published = _at(self.notified + dt.timedelta(weeks=7), 10)
        kinds = [k for k, _ in KIND_WEIGHTS]
        weights = [w for _, w in KIND_WEIGHTS]
        members = [i for code in sorted(self.team) for i in self.team[code]]
        findings: list[dict[str, Any]] = []
        cited: list[list[tuple[str, str, str]]] = []
        for position in range(count):
            kind = rng.choices(kinds, weights)[0]
            criteria = rng.sample(c.criteria, _between(rng, 1, 3))
            at = published + dt.timedelta(seconds=position)
            findings.append(
                {
                    "inspection_id": self.inspection_id,
                    "kind": kind,
                    "title": TITLES[kind].format(title=criteria[0][1])[:300],
                    "text": _sentences(rng, _between(rng, 2, 4)),
                    "headline": rng.random() < 0.25,
                    "status": "published",
                    "created_by_id": rng.choice(members),
                    "created_at": drafted,
                    "updated_at": at,
                    "published_at": at,
                }
            )
            cited.append(criteria)
        ids = writer.insert_ids("findings", findings)
        links: dict[str, list[dict[str, Any]]] = {
            "finding_criteria": [],
            "finding_agencies": [],
            "finding_evidence": [],
            "finding_agreements": [],
            "finding_changes": [],
        }
        all_agencies = [a for a, _ in self.agencies]
        for finding_id, row, criteria in zip(ids, findings, cited, strict=True):
            links["finding_criteria"] += [
                {"finding_id": finding_id, "criterion_code": code} for code, _, _ in criteria
            ]
            wanted = {k for _, _, lead in criteria for k in c.agency_kinds.get(lead, ())}
            fitting = [a for a, kind in self.agencies if kind in wanted] or all_agencies
            links["finding_agencies"] += [
                {"finding_id": finding_id, "agency_id": a}
                for a in sorted(rng.sample(fitting, min(len(fitting), _between(rng, 1, 3))))
            ]
            evidence = rng.sample(final_evidence, min(len(final_evidence), _between(rng, 1, 4)))
            links["finding_evidence"] += [
                {"finding_id": finding_id, "evidence_id": e} for e in sorted(evidence)
            ]
            links["finding_agreements"] += [
                {
                    "finding_id": finding_id,
                    "inspectorate": code,
                    "inspector_id": self.team[code][0],
                    "agreed_at": row["published_at"] - dt.timedelta(days=7, minutes=position),
                }
                for position, code in enumerate(c.participants)
            ]
            links["finding_changes"].append(
                {
                    "finding_id": finding_id,
                    "change": "published",
                    "occurred_at": row["published_at"],
                }
            )
        for table, rows in links.items():
            writer.insert(table, rows)
        writer.insert(
            "reports",
            [
                {
                    "inspection_id": self.inspection_id,
                    "context": f"{self.area_name} is a synthetic area. {SYNTHETIC}",
                    "practice_study_effective": _sentences(rng, 2),
                    "practice_study_improvement": _sentences(rng, 2),
                    "next_steps": "The partnership should prepare a written statement of proposed "
                    f"action. {SYNTHETIC}",
                    "statement_due_on": self.notified + dt.timedelta(weeks=7 + 10),
                    "published_at": published + dt.timedelta(seconds=count),
                }
            ],
        )
        return count


# --- One list on its own: for the ingest benchmark and tests -------------------------------------

EXAMPLE_NOTIFICATION = dt.date(2016, 10, 4)  # a Tuesday in the da-2016 period


def synthetic_list(
    registry: Registry,
    list_code: str,
    rows: int,
    *,
    seed: int,
    notified: dt.date = EXAMPLE_NOTIFICATION,
) -> list[dict[str, Any]]:
    """``rows`` rows of one Annex A list of an area notified on ``notified``, with the values
    ``core.lists.read_list`` would give for them (JSON-ready: dates as ISO text)."""
    catalogue = _catalogue(registry, FRAMEWORK)
    rng = random.Random(f"jtai-generate:{seed}:list:{list_code}")
    sizes = dict(MINIMUM_ROWS)
    if list_code in sizes:
        sizes[list_code] = rows
    elif list_code == EXTRA_FIELDS_LIST:
        sizes["children-in-need"] = max(sizes["children-in-need"], rows * 3)
    area = _Area(catalogue, rng, notified, sizes)
    area.draw_children()
    if list_code in SELECTION_LISTS or list_code in SAMPLING_LISTS:
        return [area.values(list_code, kid) for kid in area.members[list_code]]
    flagged = [k for k in area.selectable() if k.domestic_abuse]
    if list_code == EXTRA_FIELDS_LIST:
        return [area.extra_fields(kid) for kid in flagged[:rows]]
    if list_code == MEETINGS_LIST:
        days = [notified + dt.timedelta(days=d) for d in range(14, 19)]
        return [area.meeting(days, flagged) for _ in range(rows)]
    raise GenerateError(f"no list {list_code!r} in framework {FRAMEWORK!r}.")


def export_cell(field: ListField, value: Any) -> str:
    """A value as a local authority's export writes it: dates DD/MM/YYYY, yes/no as Y or N."""
    if value is None:
        return ""
    if field.type is FieldType.DATE:
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    if field.type is FieldType.YES_NO:
        return "Y" if value else "N"
    return str(value)


def list_csv(spec: ListSpec, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The rows as a CSV file with the specification's labels as headers (UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f.label for f in spec.fields])
    writer.writerows([export_cell(f, row[f.name]) for f in spec.fields] for row in rows)
    return out.getvalue().encode()


# --- The entry point ------------------------------------------------------------------------------


def generate(
    database: Database,
    registry: Registry,
    *,
    inspections: int,
    seed: int,
    scale: Scale = Scale.REAL,
    findings: tuple[int, int] = FINDINGS,
    focus_findings: int | None = None,
    progress: Callable[[GeneratedInspection], None] | None = None,
) -> Generation:
    """Write ``inspections`` synthetic inspections into a migrated database (see the module
    docstring). ``focus_findings``, if given, is how many published findings the first inspection
    gets instead of 5-15 (the scale benchmark reads a 1,000-finding page of one inspection).
    One transaction per inspection; ``progress`` is called after each commits."""
    if not 1 <= inspections <= MAX_INSPECTIONS:
        raise GenerateError(f"inspections must be 1 to {MAX_INSPECTIONS}, not {inspections}.")
    if not 0 <= seed <= MAX_SEED:
        raise GenerateError(f"the seed must be 0 to {MAX_SEED}, not {seed}.")
    if not 1 <= findings[0] <= findings[1]:
        raise GenerateError(f"findings must be a range of at least 1, not {findings}.")
    started = time.perf_counter()
    catalogue = _catalogue(registry, FRAMEWORK)
    framework = registry.framework(FRAMEWORK)
    assert framework is not None
    generation = Generation(seed=seed, scale=scale)
    prefix = f"JTAI-SYN{seed}-"
    with database.session() as session:
        clash = session.scalar(
            select(func.count())
            .select_from(Inspection)
            .where(Inspection.reference.startswith(prefix))
        )
    if clash:
        raise GenerateError(
            f"this database holds {clash} inspection(s) generated with seed {seed} already "
            f"({prefix}...). Use another --seed, or a fresh database."
        )
    end = framework.period_end or framework.period_start + dt.timedelta(days=365)
    dates = notification_dates(
        inspections, framework.period_start, end, framework.notification_weekday.value
    )
    rng = random.Random(f"jtai-generate:{seed}:inspectors")
    with database.session() as session, begin_write(session):
        writer = _Writer(session.connection(), generation.counts)
        rows = _inspectors(catalogue, seed, inspections, rng)
        ids = writer.insert_ids("inspectors", rows)
    pools: dict[str, list[int]] = {}
    for inspector_id, row in zip(ids, rows, strict=True):
        pools.setdefault(str(row["inspectorate"]), []).append(inspector_id)
    run = _Run(catalogue, seed, scale, pools, dates, findings, focus_findings)
    for number in range(1, inspections + 1):
        with database.session() as session, begin_write(session):
            writer = _Writer(session.connection(), generation.counts)
            done = _Inspection(run, number, writer).write()
        generation.inspections.append(done)
        if progress is not None:
            progress(done)
    # Fresh statistics for the planner: SQLite keeps none until ANALYZE, and without them it
    # picks, e.g., a scan of every published finding for one area's page.
    with database.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    generation.seconds = time.perf_counter() - started
    return generation


def lead_inspectors(session: Session, references: Iterable[str]) -> dict[str, int]:
    """The lead inspector's id of each inspection named (for tokens in benchmarks and tests)."""
    team = _table("team_members")
    inspections = _table("inspections")
    rows = session.execute(
        select(inspections.c.reference, team.c.inspector_id)
        .join(team, team.c.inspection_id == inspections.c.id)
        .where(inspections.c.reference.in_(list(references)), team.c.is_lead)
    ).all()
    return {str(reference): int(inspector_id) for reference, inspector_id in rows}
