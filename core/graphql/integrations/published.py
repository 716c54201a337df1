"""Published findings as integrators read them, and the change feed's events."""

from __future__ import annotations

import datetime as dt
from functools import partial
from operator import itemgetter
from typing import Any

import strawberry

from core.contributions import AgencyKind as AgencyKindValue
from core.graphql.base.enums import AgencyKind, FindingChangeKind, FindingKind
from core.graphql.base.rows import RowBuiltList
from core.graphql.context import Info
from core.graphql.reference import Criterion, Framework, NotInstalled, use
from core.ids import global_id
from core.integrations import feed
from core.registry import Registry
from core.workflow.findings import FindingKind as FindingKindValue

# --- Published findings -------------------------------------------------------------------------


@strawberry.type(description="The local area a published finding is about.")
class PublishedFindingArea:
    code: str
    name: str


@strawberry.type(description="An agency a published finding concerns.")
class PublishedFindingAgency:
    kind: AgencyKind
    name: str


@strawberry.type(
    description="A published finding as integrators receive it: what it says, the criteria and "
    "agencies it concerns, its inspection and area. Nothing about any child, no evidence."
)
class PublishedFinding:
    id: strawberry.ID = strawberry.field(description="The finding's global ID (a Finding).")
    kind: FindingKind
    headline: bool
    title: str
    text: str
    published_at: dt.datetime = strawberry.field(description="When it was first published.")
    updated_at: dt.datetime = strawberry.field(description="When it last changed.")
    inspection_reference: str
    framework_code: str = strawberry.field(deprecation_reason=use("framework { code }"))
    area: PublishedFindingArea
    agencies: list[PublishedFindingAgency]
    criteria: list[Criterion] = strawberry.field(
        description="The criteria it cites, each with the inspectorate leading it."
    )
    framework: Framework
    finding_id: strawberry.Private[int]

    @staticmethod
    def of(
        item: feed.PublicFinding, registry: Registry, frameworks: dict[str, Any] | None = None
    ) -> PublishedFinding:
        # Plain values only, criteria and framework included (their nodes are shared; pass one
        # ``frameworks`` dict for a page): a page of 1,000 findings then completes without a
        # resolver call per finding, in one compiled step (core/graphql/execution.py).
        found = (registry.criterion(item.framework, c.code) for c in item.criteria)
        frameworks = {} if frameworks is None else frameworks
        framework = frameworks.get(item.framework)
        if framework is None:
            framework = frameworks[item.framework] = _framework(registry, item.framework)
        return PublishedFinding(
            id=strawberry.ID(item.global_id),
            kind=FindingKindValue(item.kind),
            headline=item.headline,
            title=item.title,
            text=item.text,
            published_at=item.published_at,
            updated_at=item.updated_at,
            inspection_reference=item.inspection_reference,
            framework_code=item.framework,
            area=PublishedFindingArea(code=item.area_code, name=item.area_name),
            agencies=[PublishedFindingAgency(kind=a.kind, name=a.name) for a in item.agencies],
            criteria=[Criterion.of(o) for o in found if o is not None],
            framework=framework,
            finding_id=item.id,
        )

    @staticmethod
    def page(found: feed.PublishedRows | None, registry: Registry, limit: int) -> PublishedPage:
        """A page's findings (the first ``limit`` rows; ``more`` if there were more), answered
        straight from their rows by the executor when the selection on them is plain
        (core/graphql/execution.py, ``RowBuiltList``), else as nodes made from the same rows."""
        return PublishedPage(found, registry, limit)

    @strawberry.field(
        description="Codes of the inspectorates that agreed it (every one taking part)."
    )
    async def agreed_by(self, info: Info) -> list[str]:
        # Read only when asked for: a page of 1,000 findings has ~4,000 agreements.
        codes: list[str] = await info.context.loaders.published_finding_agreements.load(
            self.finding_id
        )
        return codes


_KINDS = {kind.value: kind for kind in FindingKindValue}

# How a PublishedFinding's attributes are read from a row of ``feed.FINDING_COLUMNS`` (``v``) and
# its page (``p``): exactly the values ``PublishedPage.nodes`` gives its nodes.
_READINGS = {
    "id": "p.global_id(v[0])",
    "kind": "p.kinds[v[1]]",
    "title": "v[2]",
    "text": "v[3]",
    "headline": "v[4]",
    "published_at": "v[5]",
    "updated_at": "v[6]",
    "inspection_reference": "v[7]",
    "framework_code": "v[8]",
    "framework": "p.frameworks[v[8]]",
    "area": "p.areas[v[9], v[10]]",
    "agencies": "p.agencies(v[0])",
    "criteria": "p.criteria(v[0], v[8])",
}


class PublishedPage(RowBuiltList):
    """A page of published findings as read (``feed.PublishedRows``, up to its limit): the
    executor builds a plain selection's answer from the rows, without a ``PublishedFinding`` in
    between; ``nodes()`` makes the nodes from the same readings for anything else. Framework,
    criterion, area and agency nodes are made once per page (nodes are read, never changed)."""

    node_type = PublishedFinding
    kinds = _KINDS

    def __init__(self, found: feed.PublishedRows | None, registry: Registry, limit: int) -> None:
        rows = found.rows if found is not None else ()
        self.more = len(rows) > limit
        self.rows = rows[:limit]
        self._criteria_of = found.criteria if found is not None else {}
        self._agencies_of = found.agencies if found is not None else {}
        self._registry = registry
        # Each framework's and area's node, made up front (a page has a handful): the readings
        # then only index them.
        self.frameworks = {
            code: _framework(registry, code) for code in set(map(_FRAMEWORK, self.rows))
        }
        self.areas = {
            (code, name): PublishedFindingArea(code=code, name=name)
            for code, name in set(map(_AREA, self.rows))
        }
        self._cited: dict[tuple[str, str], tuple[int, Criterion | None]] = {}
        self._agencies: dict[feed.AgencyRef, PublishedFindingAgency] = {}
        self._agency_lists: dict[
            tuple[int, ...], tuple[list[feed.AgencyRef], list[PublishedFindingAgency]]
        ] = {}
        self._criteria_lists: dict[tuple[str, tuple[str, ...]], list[Criterion]] = {}
        self._nodes: list[PublishedFinding] | None = None

    @classmethod
    def reading(cls, attribute: str) -> str | None:
        return _READINGS.get(attribute)

    global_id = staticmethod(partial(global_id, "Finding"))  # as feed.finding_global_id

    def agencies(self, finding_id: int) -> list[PublishedFindingAgency]:
        """Its agencies' nodes: one list for all the findings concerning the same agencies."""
        refs = self._agencies_of.get(finding_id)
        if not refs:
            return []
        key = tuple(map(id, refs))  # the page's refs are one per agency (feed._read)
        entry = self._agency_lists.get(key)
        if entry is None:
            nodes = self._agencies
            found = []
            for ref in refs:
                node = nodes.get(ref)
                if node is None:
                    node = nodes[ref] = PublishedFindingAgency(kind=ref.kind, name=ref.name)
                found.append(node)
            entry = self._agency_lists[key] = (refs, found)  # refs kept: their ids stay theirs
        return entry[1]

    def criteria(self, finding_id: int, framework: str) -> list[Criterion]:
        """The criteria it cites, in the framework's order (as the feed orders them); a code
        no plugin provides is left out, as ``PublishedFinding.of`` does. One list for all the
        findings citing the same codes."""
        codes = self._criteria_of.get(finding_id)
        if not codes:
            return []
        key = (framework, tuple(codes))
        found = self._criteria_lists.get(key)
        if found is None:
            cited = []
            known = self._cited
            for code in codes:
                one = known.get((framework, code))
                if one is None:
                    one = known[(framework, code)] = _cited(self._registry, framework, code)
                cited.append(one)
            cited.sort(key=_POSITION)
            found = self._criteria_lists[key] = [node for _at, node in cited if node is not None]
        return found

    def nodes(self) -> list[PublishedFinding]:
        if self._nodes is None:
            self._nodes = [self._node(row) for row in self.rows]
        return self._nodes

    def _node(self, v: Any) -> PublishedFinding:
        return PublishedFinding(
            id=strawberry.ID(self.global_id(v[0])),
            kind=self.kinds[v[1]],
            title=v[2],
            text=v[3],
            headline=v[4],
            published_at=v[5],
            updated_at=v[6],
            inspection_reference=v[7],
            framework_code=v[8],
            framework=self.frameworks[v[8]],
            area=self.areas[v[9], v[10]],
            agencies=self.agencies(v[0]),
            criteria=self.criteria(v[0], v[8]),
            finding_id=v[0],
        )


_POSITION = itemgetter(0)  # a cited criterion's place in its framework's order
_FRAMEWORK, _AREA = itemgetter(8), itemgetter(9, 10)  # a row's framework, its area's code and name


def _cited(registry: Registry, framework: str, code: str) -> tuple[int, Criterion | None]:
    """A cited criterion's place in its framework's order (unknown codes last, as the feed
    orders them) and its node (None when no plugin provides it: left out, as ``of`` does)."""
    position, _ref = feed.criterion_refs(registry, framework).get(code, (1 << 30, None))
    owned = registry.criterion(framework, code)
    return position, Criterion.of(owned) if owned is not None else None


def _framework(registry: Registry, code: str) -> Any:
    """The framework's node, or the error its field answers with when no plugin provides it:
    graphql-core reports an exception found as a field's value exactly as one a resolver raised,
    so the field stays a plain one."""
    found = registry.framework(code)
    return Framework.of(found) if found is not None else NotInstalled("framework", code)


def _filters(
    framework: str | None,
    criterion: str | None,
    inspectorate: str | None,
    agency_kind: AgencyKindValue | None,
    area: str | None,
    published_from: dt.date | None,
    published_to: dt.date | None,
) -> feed.FindingFilters:
    return feed.FindingFilters(
        framework=framework,
        criterion=criterion,
        inspectorate=inspectorate,
        agency_kind=agency_kind.value if agency_kind is not None else None,
        area=area,
        published_from=published_from,
        published_to=published_to,
    )


# --- The change feed ----------------------------------------------------------------------------


@strawberry.type(
    description="One entry of the change feed: a finding was published, updated or withdrawn."
)
class FindingChangeEvent:
    change: FindingChangeKind
    occurred_at: dt.datetime
    finding_id: strawberry.ID = strawberry.field(description="The finding's global ID.")
    finding: PublishedFinding | None = strawberry.field(
        description="The finding as it is now; null once it is no longer published (withdrawn)."
    )
