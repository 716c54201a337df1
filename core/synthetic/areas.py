"""One area: its agencies, its children (each once however many lists it is on) and their list
rows."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.contributions import AgencyKind
from core.synthetic.catalogue import Catalogue
from core.synthetic.distributions import (
    AGE_BANDS,
    DISABILITY_RATE,
    DOMESTIC_ABUSE_RATE,
    EARLY_HELP_ORGANISATIONS,
    HEALTH_AGENCIES,
    SCHOOL_AGENCIES,
    TEAMS,
    UNBORN_RATE,
    VOLUNTARY_AGENCIES,
    between,
    iso,
    weighted,
)
from core.synthetic.errors import GenerateError
from core.workflow.selection import MAX_SELECTED


def area_agencies(area: str, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, name) of each agency: one of every statutory kind, and some health services,
    schools and voluntary services."""
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
        for name in HEALTH_AGENCIES[: between(rng, 3, len(HEALTH_AGENCIES))]
    ]
    agencies += [
        (kinds.SCHOOL, f"{area} {name}")
        for name in rng.sample(SCHOOL_AGENCIES, between(rng, 2, len(SCHOOL_AGENCIES)))
    ]
    agencies += [
        (kinds.VOLUNTARY_SECTOR, f"{area} {name}")
        for name in VOLUNTARY_AGENCIES[: between(rng, 1, len(VOLUNTARY_AGENCIES))]
    ]
    return [(kind.value, name) for kind, name in agencies]


@dataclass(slots=True)
class Kid:
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


class Area:
    """One inspection's children and list rows, drawn from its own random stream."""

    def __init__(
        self, catalogue: Catalogue, rng: random.Random, notified: dt.date, sizes: dict[str, int]
    ) -> None:
        self.c = catalogue
        self.rng = rng
        self.notified = notified
        self.sizes = sizes
        self.da_rate = rng.uniform(*DOMESTIC_ABUSE_RATE)
        self.ids = iter(rng.sample(range(1_000_000, 9_999_999), sum(sizes.values()) + 100))
        self.kids: list[Kid] = []
        self.members: dict[str, list[Kid]] = {}
        self.teams = [f"{name} {n}" for name in TEAMS for n in (1, 2, 3)]
        self.workers = max(8, sizes["children-in-need"] // 18)

    def _new(self, unborn_rate: float) -> Kid:
        rng = self.rng
        notified = self.notified
        if rng.random() < unborn_rate:
            born = None
            expected = notified + dt.timedelta(days=between(rng, 14, 250))
            gender = "U"
        else:
            low, high, _ = weighted(rng, AGE_BANDS, (6, 25, 52, 86, 100))
            age_days = between(rng, low * 365, high * 365 + 364)
            born = notified - dt.timedelta(days=max(age_days, 1))
            expected = None
            gender = self.c.gender.pick(rng)
        kid = Kid(
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
        chosen: dict[str, Kid] = {}
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
            if len(flagged) >= MAX_SELECTED:
                break
            if not kid.domestic_abuse:
                kid.domestic_abuse = True
                flagged.append(kid)

    def selectable(self) -> list[Kid]:
        """Children on the lists of children in need or on plans, each once, in ID order."""
        seen = {k.local_id: k for code in self.c.selection_lists for k in self.members[code]}
        return [seen[local_id] for local_id in sorted(seen)]

    def child_row(self, kid: Kid) -> dict[str, Any]:
        on_disability_list = not kid.lists.isdisjoint(DISABILITY_LISTS)
        on_selection_list = not kid.lists.isdisjoint(self.c.selection_lists)
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

    def _common(self, kid: Kid) -> dict[str, Any]:
        age = None
        if kid.born is not None:
            n, b = self.notified, kid.born
            age = n.year - b.year - ((n.month, n.day) < (b.month, b.day))
        return {
            "child_id": kid.local_id,
            "gender": kid.gender,
            "ethnicity": kid.ethnicity,
            "date_of_birth": iso(kid.born),
            "expected_date_of_birth": iso(kid.expected),
            "age_years": age,
        }

    def _since(self, kid: Kid, days_back: int) -> dt.date:
        """A date up to ``days_back`` days before notification, not before the child's birth."""
        day = self.notified - dt.timedelta(days=between(self.rng, 0, days_back))
        if kid.born is not None and day < kid.born:
            return kid.born
        return day

    def _recent(self, kid: Kid, mean_days: float, longest: int) -> dt.date:
        back = min(int(self.rng.expovariate(1 / mean_days)), longest)
        day = self.notified - dt.timedelta(days=back)
        return max(day, kid.born) if kid.born is not None else day

    def _allocated(self) -> tuple[str | None, str | None]:
        if self.rng.random() < 0.05:
            return None, None
        return self.rng.choice(self.teams), f"SW-{between(self.rng, 1, self.workers):04d}"

    def _yes(self, rate: float) -> bool:
        return self.rng.random() < rate

    def values(self, code: str, kid: Kid) -> dict[str, Any]:
        rng = self.rng
        row = self._common(kid)
        if code == "children-in-need":
            start = self._recent(kid, 300, 6 * 365)
            closed = self._yes(0.18)
            closure = max(start, self.notified - dt.timedelta(days=between(rng, 1, 90)))
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
                "previous_cp_plans": weighted(rng, (0, 1, 2, 3), (70, 90, 97, 100)),
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
                "referrals_last_12_months": weighted(rng, (1, 2, 3, 4), (70, 90, 97, 100)),
                "allocated_team": team,
                "allocated_worker": worker,
            }
        elif code == "assessments":
            start = self._since(kid, 182)
            authorised = start + dt.timedelta(days=between(rng, 5, 45))
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
            conference = start + dt.timedelta(days=between(rng, 5, 15))
            held = not not_required and conference <= self.notified
            team, worker = self._allocated()
            row |= {
                "disability": kid.disabled,
                "s47_start_date": start.isoformat(),
                "s47_last_12_months": weighted(rng, (1, 2, 3), (80, 95, 100)),
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

    def extra_fields(self, kid: Kid) -> dict[str, Any]:
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
            "postcode": f"ZZ{between(rng, 1, 99)} {between(rng, 0, 9)}"
            f"{rng.choice(letters)}{rng.choice(letters)}",
        }

    def meeting(self, on_site: Sequence[dt.date], children: Sequence[Kid]) -> dict[str, Any]:
        rng = self.rng
        about = rng.sample(list(children), min(len(children), between(rng, 1, 3)))
        return {
            "meeting_type": self.c.meeting.pick(rng),
            "meeting_date": rng.choice(on_site).isoformat(),
            "meeting_time": f"{between(rng, 9, 15):02d}:{rng.choice((0, 30)):02d}",
            "children": ", ".join(k.local_id for k in about),
            "venue": f"Civic centre, room {between(rng, 1, 12)} (synthetic)",
        }
