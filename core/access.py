"""Who may see what, as SQL: every query for inspection or child data is filtered here.

Resolvers never fetch and then filter: they add these clauses to the statement, so a row a viewer
may not see never leaves the database. Deny by default: a role not named sees nothing.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true

from core.models import Agency, Child, EvidenceRecord, Inspection, Inspector, LocalArea, TeamMember
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
    return LocalArea.id.in_(
        select(Inspection.area_id).where(inspections_visible_to(viewer))
    ) | LocalArea.id.in_(select(Agency.area_id).where(agencies_visible_to(viewer)))


def agencies_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Agencies are the area's public-facing bodies; any signed-in viewer but an integrator."""
    if viewer.role in (Role.ADMIN, Role.INSPECTOR):
        return true()
    if viewer.role is Role.AGENCY_USER and viewer.area_id is not None:
        return Agency.area_id == viewer.area_id
    return false()
