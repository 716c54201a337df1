"""Suggesting a sample: children to fill the 20 selected, balanced across list, age band, gender,
ethnicity and disability (stratified sampling with fair shares, a greedy pass, then improving
swaps; reproducible for a seed). Writes nothing; the selection itself is core.workflow.selection.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from core.models import Child, Inspection
from core.registry import Registry
from core.workflow.ages import Birth, age_in_years, birth_of, is_unborn
from core.workflow.selection import (
    MAX_SELECTED,
    Kind,
    Membership,
    child_problems,
    choices,
    selection_memberships,
)

MAX_SWAP_ROUNDS = 50  # rounds of improving swaps after the greedy pass of suggest_sample

LIST = "list"
AGE_BAND = "age band"
GENDER = "gender"
ETHNICITY = "ethnicity"
DISABILITY = "disability"
DIMENSIONS = (LIST, AGE_BAND, GENDER, ETHNICITY, DISABILITY)

UNBORN = "unborn"
AGE_NOT_RECORDED = "age not recorded"
AGE_BANDS = ((0, 4), (5, 10), (11, 15))  # then 16+


def age_band(birth: Birth, on: dt.date) -> str:
    if is_unborn(birth, on):
        return UNBORN
    age = age_in_years(birth, on)
    if age is None:
        return AGE_NOT_RECORDED
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}-{high}"
    return "16+"


@dataclass(frozen=True, slots=True)
class Profile:
    """The strata a suggested sample is balanced across."""

    list: str  # the title of the first selection list the child is on (Membership.list_title)
    age_band: str
    gender: str
    ethnicity: str
    disability: str

    def value(self, dimension: str) -> str:
        return {
            LIST: self.list,
            AGE_BAND: self.age_band,
            GENDER: self.gender,
            ETHNICITY: self.ethnicity,
            DISABILITY: self.disability,
        }[dimension]

    def describe(self) -> str:
        age = (
            self.age_band
            if self.age_band in (UNBORN, "age not recorded")
            else f"age {self.age_band}"
        )
        return "; ".join((self.list, age, self.gender, self.ethnicity, self.disability))


def profile_of(child: Child, membership: Membership, notified: dt.date) -> Profile:
    disability = (
        "disability not recorded"
        if child.has_disability is None
        else "disability"
        if child.has_disability
        else "no disability"
    )
    return Profile(
        list=membership.list_title,
        age_band=age_band(birth_of(child, membership.rows), notified),
        gender=child.gender or "gender not recorded",
        ethnicity=child.ethnicity or "ethnicity not recorded",
        disability=disability,
    )


@dataclass(frozen=True, slots=True)
class Suggestion:
    child: Child
    profile: Profile
    reason: str


@dataclass(frozen=True, slots=True)
class SuggestedSample:
    seed: int
    suggestions: list[Suggestion]
    eligible: int  # children who pass every selection rule, selected or not
    already_selected: int
    # How the sample would be spread if the suggestions were selected: the children selected
    # already plus the suggestions, counted by dimension and value.
    spread: dict[str, Counter[str]] = field(default_factory=dict)


def _group(dimension: str, value: str) -> str:
    if dimension == LIST:
        return f"{value} list"
    if dimension == DISABILITY:
        return f"group '{value}'"
    return f"{dimension} {value}"


def fair_shares(available: Counter[str], size: int) -> dict[str, float]:
    """Each group's fair share of a sample of ``size``: equal shares, but never more than the
    group has, the rest shared among the others (water-filling)."""
    shares: dict[str, float] = {}
    left = sorted(available, key=lambda group: (available[group], group))
    remaining = float(min(size, sum(available.values())))
    while left:
        share = remaining / len(left)
        smallest = left[0]
        if available[smallest] > share:
            shares.update((group, share) for group in left)
            break
        shares[smallest] = available[smallest]
        remaining -= available[smallest]
        left.pop(0)
    return shares


def _shortfall(share: float, count: int) -> float:
    """How far a group is below its fair share, relative to the share (negative: above it)."""
    return (share - count) / share if share else -float(count)


def _imbalance_change(
    shares: dict[str, dict[str, float]],
    counts: dict[str, Counter[str]],
    leaving: Profile,
    joining: Profile,
) -> float:
    """How much swapping ``leaving`` for ``joining`` changes the sample's imbalance: the sum over
    dimensions and groups of (count - share)² / share, the chi-square distance from the shares."""
    change = 0.0
    for dimension in DIMENSIONS:
        out, into = leaving.value(dimension), joining.value(dimension)
        if out == into:
            continue
        for group, step in ((out, -1), (into, 1)):
            share = shares[dimension].get(group, 0.0) or 1.0
            count = counts[dimension][group]
            change += ((count + step - share) ** 2 - (count - share) ** 2) / share
    return change


def _why(
    profile: Profile, counts: dict[str, Counter[str]], shares: dict[str, dict[str, float]]
) -> str:
    if not any(counts[d] for d in DIMENSIONS):
        return "starts the sample: first in the seeded order"
    best: tuple[float, str] | None = None
    for dimension in DIMENSIONS:
        value = profile.value(dimension)
        short = _shortfall(shares[dimension].get(value, 0.0), counts[dimension][value])
        if short > 0 and (best is None or short > best[0]):
            best = (short, dimension)
    if best is None:
        return "every group is at its fair share: next in the seeded order"
    dimension = best[1]
    value = profile.value(dimension)
    count = counts[dimension][value]
    share = shares[dimension][value]
    if count == 0:
        return f"brings in the {_group(dimension, value)}, not yet in the sample"
    return (
        f"fills the under-represented {_group(dimension, value)} "
        f"({count} so far of a fair share of {share:.3g})"
    )


def eligible_children(
    session: Session,
    registry: Registry,
    inspection: Inspection,
    visible: ColumnElement[bool] | None = None,
) -> list[tuple[Child, Profile]]:
    """Every child of the inspection who passes each selection rule but 'twenty children' (and,
    given ``visible``, whom the asker may see)."""
    memberships = selection_memberships(session, registry, inspection)
    children = session.scalars(
        select(Child)
        .where(
            Child.inspection_id == inspection.id,
            Child.id.in_(list(memberships)),
            visible if visible is not None else true(),
        )
        .order_by(Child.id)
    ).all()
    notified = inspection.notification_date
    return [
        (child, profile_of(child, memberships[child.id], notified))
        for child in children
        if not child_problems(registry, inspection, child, memberships[child.id], "childId")
    ]


def suggest_sample(
    session: Session,
    registry: Registry,
    inspection: Inspection,
    seed: int,
    visible: ColumnElement[bool] | None = None,
) -> SuggestedSample:
    """Suggest children to fill the 20, balanced across list, age band, gender, ethnicity and
    disability; reproducible: the same seed and the same data give the same children. Writes
    nothing.

    The children selected already keep their places and count towards the balance. In each
    dimension every group has a fair share of the sample: equal shares, but no more than the
    eligible children the group has (the rest go to the other groups). First, one place at a time,
    the eligible child is taken whose groups fall furthest short of their fair shares (relative to
    the share, summed over the five dimensions). Then a suggested child is swapped for one left
    out while that brings the counts closer to the shares (chi-square distance). Ties always go to
    the earlier child in an order shuffled by ``seed``, so the same seed and data give the same
    children. Each suggestion says why: its groups, and the group it does most to fill.
    """
    eligible = eligible_children(session, registry, inspection, visible)
    selected = choices(session, inspection.id, Kind.SELECTED)
    memberships = selection_memberships(session, registry, inspection, list(selected))
    selected_children = session.scalars(
        select(Child)
        .where(Child.id.in_(list(selected)), visible if visible is not None else true())
        .order_by(Child.id)
    ).all()
    empty = Membership(frozenset(), False, ())
    kept = [
        profile_of(child, memberships.get(child.id, empty), inspection.notification_date)
        for child in selected_children
    ]
    pool = [(c, p) for c, p in eligible if c.id not in selected]
    random.Random(seed).shuffle(pool)
    places = max(0, MAX_SELECTED - len(selected))
    size = len(kept) + min(places, len(pool))
    universe = kept + [p for _, p in pool]
    shares = {d: fair_shares(Counter(p.value(d) for p in universe), size) for d in DIMENSIONS}
    counts: dict[str, Counter[str]] = {d: Counter(p.value(d) for p in kept) for d in DIMENSIONS}

    def add(profile: Profile, step: int) -> None:
        for dimension in DIMENSIONS:
            counts[dimension][profile.value(dimension)] += step

    # Greedy: each place to the child whose groups fall furthest short of their shares.
    chosen: list[tuple[Child, Profile]] = []
    for _ in range(min(places, len(pool))):
        gains = [
            sum(
                _shortfall(shares[d].get(p.value(d), 0.0), counts[d][p.value(d)])
                for d in DIMENSIONS
            )
            for _, p in pool
        ]
        chosen.append(pool.pop(max(range(len(pool)), key=lambda i: (gains[i], -i))))
        add(chosen[-1][1], 1)
    # Then swaps with the children left, while one brings the sample closer to the shares.
    for _ in range(MAX_SWAP_ROUNDS):
        swapped = False
        for i, (_, leaving) in enumerate(chosen):
            changes = [_imbalance_change(shares, counts, leaving, p) for _, p in pool]
            best = min(range(len(pool)), key=lambda j: (changes[j], j), default=None)
            if best is not None and changes[best] < -1e-9:
                chosen[i], pool[best] = pool[best], chosen[i]
                add(leaving, -1)
                add(chosen[i][1], 1)
                swapped = True
        if not swapped:
            break
    # Each reason is given in the order the places were filled, against the sample so far.
    counts = {d: Counter(p.value(d) for p in kept) for d in DIMENSIONS}
    suggestions: list[Suggestion] = []
    for child, profile in chosen:
        why = _why(profile, counts, shares)
        suggestions.append(Suggestion(child, profile, f"{profile.describe()} — {why}"))
        add(profile, 1)
    return SuggestedSample(
        seed=seed,
        suggestions=suggestions,
        eligible=len(eligible),
        already_selected=len(selected),
        spread=counts,
    )
