"""Who may see what, as SQL: every query for inspection or child data is filtered here.

Resolvers never fetch and then filter: they add these clauses to the statement, so a row a viewer
may not see never leaves the database. Deny by default: a role not named sees nothing.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select, true

from core.contributions import AgencyKind
from core.models import (
    Agency,
    Child,
    ChildSelection,
    Document,
    EvidenceRecord,
    Finding,
    Inspection,
    Inspector,
    IssuedRequest,
    ListUpload,
    LocalArea,
    Report,
    TeamMember,
)
from core.viewer import Role, Viewer


def inspections_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Admins see every inspection, inspectors those they are on, agency users their area's."""
    if viewer.role is Role.ADMIN:
        return true()
    if viewer.role is Role.INSPECTOR and viewer.inspector_id is not None:
        return Inspection.id.in_(
            select(TeamMember.inspection_id).where(TeamMember.inspector_id == viewer.inspector_id)
        )
    if viewer.role is Role.AGENCY_USER and viewer.area_id is not None:
        return Inspection.area_id == viewer.area_id
    return false()


def children_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Child-level data: admins, and inspectors on the child's inspection. Agency users upload
    lists but do not browse children; integrators never see a child."""
    if viewer.role is Role.ADMIN:
        return true()
    if viewer.role is Role.INSPECTOR and viewer.inspector_id is not None:
        return Child.inspection_id.in_(
            select(TeamMember.inspection_id).where(TeamMember.inspector_id == viewer.inspector_id)
        )
    return false()


def _chosen_in_viewers_area(viewer: Viewer, kind: str) -> ColumnElement[bool]:
    chosen = (
        select(ChildSelection.child_id)
        .join(Inspection, Inspection.id == ChildSelection.inspection_id)
        .where(ChildSelection.kind == kind, Inspection.area_id == viewer.area_id)
    )
    return Child.id.in_(chosen)


def tracked_children_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """The 5-7 tracked children: everyone who sees children, and the agency users of the
    inspection's area, who seek the children's and parents' consent and send their case files.
    Resolvers give agency users the child's id and the LA's own ID for it, never the Child."""
    if viewer.role is Role.AGENCY_USER and viewer.area_id is not None:
        return _chosen_in_viewers_area(viewer, "tracked")
    return children_visible_to(viewer)


def selected_children_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """The (up to) 20 selected children: everyone who sees children, and the users of the
    inspection area's local authority, who send the eight extra fields for each of them.
    Resolvers give LA users the child's id and the LA's own ID for it, never the Child."""
    if (
        viewer.role is Role.AGENCY_USER
        and viewer.area_id is not None
        and viewer.agency_id is not None
    ):
        is_local_authority: ColumnElement[bool] = exists().where(
            Agency.id == viewer.agency_id, Agency.kind == AgencyKind.LOCAL_AUTHORITY.value
        )
        return is_local_authority & _chosen_in_viewers_area(viewer, "selected")
    return children_visible_to(viewer)


def evidence_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Evidence: inspectors on the inspection (all inspectorates' evidence) and admins."""
    if viewer.role is Role.ADMIN:
        return true()
    if viewer.role is Role.INSPECTOR and viewer.inspector_id is not None:
        return EvidenceRecord.inspection_id.in_(
            select(TeamMember.inspection_id).where(TeamMember.inspector_id == viewer.inspector_id)
        )
    return false()


def inspectors_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Inspectors: admins see all; others see the teams of the inspections they may see."""
    if viewer.role is Role.ADMIN:
        return true()
    if viewer.role in (Role.INSPECTOR, Role.AGENCY_USER):
        teams = select(TeamMember.inspector_id).join(
            Inspection, Inspection.id == TeamMember.inspection_id
        )
        return Inspector.id.in_(teams.where(inspections_visible_to(viewer)))
    return false()


def areas_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Areas: those of the inspections and agencies the viewer may see."""
    if viewer.role is Role.ADMIN:
        return true()
    # EXISTS per area, not `id IN (...) OR id IN (...)`: under the OR PostgreSQL hashes both whole
    # sets (every visible inspection's area, every agency's) each time; each EXISTS here is an
    # index probe for the area at hand (~0.45 -> 0.05 ms of its CPU for one area, BENCHMARKS.md).
    inspected = select(Inspection.id).where(
        Inspection.area_id == LocalArea.id, inspections_visible_to(viewer)
    )
    with_agency = select(Agency.id).where(
        Agency.area_id == LocalArea.id, agencies_visible_to(viewer)
    )
    return or_(inspected.correlate(LocalArea).exists(), with_agency.correlate(LocalArea).exists())


def agencies_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Agencies are the area's public-facing bodies; any signed-in viewer but an integrator."""
    if viewer.role in (Role.ADMIN, Role.INSPECTOR):
        return true()
    if viewer.role is Role.AGENCY_USER and viewer.area_id is not None:
        return Agency.area_id == viewer.area_id
    return false()


def requests_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Issued requests: admins all; inspectors those of the inspections they are on (every
    agency's); an agency user only those issued to their own agency."""
    if viewer.role is Role.ADMIN:
        return true()
    if viewer.role is Role.INSPECTOR and viewer.inspector_id is not None:
        return IssuedRequest.inspection_id.in_(
            select(TeamMember.inspection_id).where(TeamMember.inspector_id == viewer.inspector_id)
        )
    if viewer.role is Role.AGENCY_USER and viewer.agency_id is not None:
        return IssuedRequest.agency_id == viewer.agency_id
    return false()


def documents_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Documents: whoever may see the request they answer."""
    if viewer.role is Role.ADMIN:
        return true()
    return Document.request_id.in_(select(IssuedRequest.id).where(requests_visible_to(viewer)))


def list_uploads_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Accepted lists and their queries (which quote cells): whoever may see the request they
    answer, so the agency that sent a list sees its own queries and no other agency's."""
    if viewer.role is Role.ADMIN:
        return true()
    return ListUpload.request_id.in_(select(IssuedRequest.id).where(requests_visible_to(viewer)))


def findings_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Findings: admins and the inspection team see drafts; agency users see their area's once
    published; integrators see published findings only (and never their evidence, which
    ``evidence_visible_to`` keeps from them)."""
    if viewer.role is Role.ADMIN:
        return true()
    if viewer.role is Role.INSPECTOR and viewer.inspector_id is not None:
        return Finding.inspection_id.in_(
            select(TeamMember.inspection_id).where(TeamMember.inspector_id == viewer.inspector_id)
        )
    published = Finding.status == "published"
    if viewer.role is Role.AGENCY_USER and viewer.area_id is not None:
        return published & Finding.inspection_id.in_(
            select(Inspection.id).where(Inspection.area_id == viewer.area_id)
        )
    if viewer.role is Role.INTEGRATOR:
        return published
    return false()


def reports_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """The report (letter), over inspections outer-joined to their report row: admins and the team
    see it while it is drafted; agency users see their area's, integrators any, once published."""
    if viewer.role is Role.ADMIN:
        return true()
    if viewer.role is Role.INSPECTOR and viewer.inspector_id is not None:
        return Inspection.id.in_(
            select(TeamMember.inspection_id).where(TeamMember.inspector_id == viewer.inspector_id)
        )
    published = Report.published_at.is_not(None)
    if viewer.role is Role.AGENCY_USER and viewer.area_id is not None:
        return published & (Inspection.area_id == viewer.area_id)
    if viewer.role is Role.INTEGRATOR:
        return published
    return false()
