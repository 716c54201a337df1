"""The registry's contributions the generator writes from, read once per run."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Mapping
from dataclasses import dataclass

from core.contributions import (
    CodeSet,
    Deadline,
    EvidenceForm,
    ListRole,
    ListSpec,
    MilestoneRole,
    RequestScope,
)
from core.registry import Registry
from core.synthetic.distributions import (
    CATEGORY_WEIGHTS,
    CLOSURE_WEIGHTS,
    ETHNICITY_WEIGHTS,
    GENDER_WEIGHTS,
    MEETING_WEIGHTS,
    MINIMUM_ROWS,
    PRIMARY_NEED_WEIGHTS,
    SOURCE_WEIGHTS,
)
from core.synthetic.errors import GenerateError
from core.workflow.selection import sampling_lists, selected_child_details, selection_lists

FRAMEWORK = "da-2016"  # the framework whose requests carry the Annex A list specifications


class Codes:
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
class Catalogue:
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
    # The lists and milestones core relies on, found by role (core/contributions.py).
    selection_lists: tuple[str, ...]
    sampling_lists: tuple[str, ...]
    details_list: str
    meetings_list: str
    select_milestone: str | None
    track_milestone: str | None
    gender: Codes
    ethnicity: Codes
    primary_need: Codes
    category: Codes
    closure: Codes
    source: Codes
    meeting: Codes


def read_catalogue(registry: Registry, framework: str) -> Catalogue:
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
    selection = tuple(s.code for s in selection_lists(registry, framework))
    sampling = sampling_lists(registry, framework)
    details = selected_child_details(registry, framework)
    meetings = registry.list_with_role(framework, ListRole.MEETINGS)
    # The population model (core/synthetic/distributions.py) is calibrated on the lists of
    # 2016's Annex A, by their codes: a framework whose lists have other codes is not modelled.
    by_role = (*selection, *sampling, meetings.code if meetings else None)
    unmodelled = sorted(str(code) for code in by_role if code not in MINIMUM_ROWS)
    if not selection or not sampling or details is None or meetings is None or unmodelled:
        raise GenerateError(
            f"framework {framework!r} does not have the lists the generator models (selection, "
            "sampling, selected-child details and meetings lists, by role, with the codes of "
            f"2016's Annex A){': ' + ', '.join(unmodelled) if unmodelled else ''}."
        )
    select = registry.milestone_with_role(framework, MilestoneRole.SELECT_CHILDREN)
    track = registry.milestone_with_role(framework, MilestoneRole.NAME_TRACKED_CHILDREN)

    def codes(code: str, weights: Mapping[str, float]) -> Codes:
        code_set = registry.code_set(code)
        if code_set is None:
            raise GenerateError(f"no plugin contributes the code set {code!r}.")
        return Codes(code_set, weights)

    criteria = tuple(
        (o.item.code, o.item.title, o.owner)
        for o in registry.criteria_of(framework)
        if not o.item.reference_only
    )
    if not criteria:
        raise GenerateError(f"framework {framework!r} has no criteria that findings can cite.")
    participants = tuple(i.code for i in registry.participants(framework))
    return Catalogue(
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
        selection_lists=selection,
        sampling_lists=sampling,
        details_list=details,
        meetings_list=meetings.code,
        select_milestone=select.code if select else None,
        track_milestone=track.code if track else None,
        gender=codes("gender", GENDER_WEIGHTS),
        ethnicity=codes("ethnicity", ETHNICITY_WEIGHTS),
        primary_need=codes("primary-need", PRIMARY_NEED_WEIGHTS),
        category=codes("category-of-abuse", CATEGORY_WEIGHTS),
        closure=codes("reason-for-closure", CLOSURE_WEIGHTS),
        source=codes("referral-source", SOURCE_WEIGHTS),
        meeting=codes("meeting-type", MEETING_WEIGHTS),
    )
