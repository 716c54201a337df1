"""Published findings as integrators read them, and the change feed's events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from core.contributions import AgencyKind as AgencyKindValue
from core.graphql.base.enums import AgencyKind, FindingChangeKind, FindingKind
from core.graphql.context import Info
from core.graphql.reference import Criterion, Framework, NotInstalled, use
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
    def page(found: feed.PublishedRows | None, registry: Registry) -> list[PublishedFinding]:
        """A page's nodes straight from its rows, without the ``PublicFinding`` layer between
        (a page of 1,000 is the integrators' large read): each framework's, criterion's, area's
        and agency's node once per page (nodes are read, never changed)."""
        if found is None:
            return []
        frameworks: dict[str, Any] = {}
        cited: dict[tuple[str, str], tuple[int, Criterion | None]] = {}
        # Areas and agencies are shared nodes too: a page is mostly one area's findings.
        areas: dict[tuple[str, str], PublishedFindingArea] = {}
        agencies: dict[feed.AgencyRef, PublishedFindingAgency] = {}

        def agency_node(ref: feed.AgencyRef) -> PublishedFindingAgency:
            node = agencies.get(ref)
            if node is None:
                node = agencies[ref] = PublishedFindingAgency(kind=ref.kind, name=ref.name)
            return node

        criteria_of, agencies_of = found.criteria, found.agencies
        nodes = []
        for row in found.rows:
            finding_id, kind, title, text, headline, published_at, updated_at = row[:7]
            reference, framework_code, area_code, area_name = row[7:]
            framework = frameworks.get(framework_code)
            if framework is None:
                framework = frameworks[framework_code] = _framework(registry, framework_code)
            area = areas.get((area_code, area_name))
            if area is None:
                area = areas[(area_code, area_name)] = PublishedFindingArea(
                    code=area_code, name=area_name
                )
            criteria = []
            for code in criteria_of.get(finding_id, ()):
                key = (framework_code, code)
                known = cited.get(key)
                if known is None:
                    known = cited[key] = _cited(registry, framework_code, code)
                criteria.append(known)
            if len(criteria) > 1:
                criteria.sort(key=_position)  # the framework's order, as the feed's
            nodes.append(
                PublishedFinding(
                    id=strawberry.ID(feed.finding_global_id(finding_id)),
                    kind=_KINDS[kind],
                    headline=headline,
                    title=title,
                    text=text,
                    published_at=published_at,
                    updated_at=updated_at,
                    inspection_reference=reference,
                    framework_code=framework_code,
                    area=area,
                    agencies=[agency_node(a) for a in agencies_of.get(finding_id, ())],
                    criteria=[node for _position, node in criteria if node is not None],
                    framework=framework,
                    finding_id=finding_id,
                )
            )
        return nodes

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


def _position(cited: tuple[int, Criterion | None]) -> int:
    return cited[0]


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
