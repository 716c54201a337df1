"""What a synthetic area looks like: its scale, list sizes, the national distributions its
children are drawn from, the placeholder names it uses, and fast seeded draws."""

from __future__ import annotations

import datetime as dt
import math
import random
from bisect import bisect
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TypeVar

from core.synthetic.errors import GenerateError
from core.timetable import ENGLAND_AND_WALES, LONDON

SYNTHETIC = "(Synthetic: it describes no real area, service or person.)"
T = TypeVar("T")


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
MEETINGS_LIST = "meetings"
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


def london_time(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """London wall-clock time on ``day``, as UTC."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(dt.UTC)


def time_on_site(rng: random.Random, on_site: Sequence[dt.date]) -> dt.datetime:
    """A working time on one of the days on site."""
    return london_time(rng.choice(on_site), between(rng, 9, 16), between(rng, 0, 59))


def between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint(low, high)``, several times faster (it matters for millions of draws)."""
    return low + int(rng.random() * (high - low + 1))


def weighted(rng: random.Random, items: Sequence[T], cumulative: Sequence[float]) -> T:
    """One of ``items`` by cumulative weights (``rng.choices`` is several times slower)."""
    return items[bisect(cumulative, rng.random() * cumulative[-1])]


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None
