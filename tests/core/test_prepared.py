"""A statement built once per process (core/prepared.py) gives each viewer their own rows."""

from __future__ import annotations

from sqlalchemy import Select, select

from core import access
from core.database import Database
from core.models import Child, TeamMember
from core.prepared import prepared, viewer_values
from core.registry import Registry
from core.synthetic import Scale, generate
from core.viewer import Role, Viewer


def _inspections_with_children(stand_in: Viewer) -> Select[int]:
    return (
        select(Child.inspection_id)
        .where(access.children_visible_to(stand_in))
        .distinct()
        .order_by(Child.inspection_id)
    )


def test_one_statement_serves_every_viewer_of_a_shape_with_their_own_rows(
    database: Database, registry: Registry
) -> None:
    found = generate(database, registry, inspections=3, seed=7, scale=Scale.SMALL).inspections
    leads = [Viewer(role=Role.INSPECTOR, inspector_id=i.lead_inspector_id) for i in found]
    statements = [prepared("test: children", lead, _inspections_with_children) for lead in leads]
    assert all(statement is statements[0] for statement in statements)  # built once
    admin = Viewer(role=Role.ADMIN)
    for_admin = prepared("test: children", admin, _inspections_with_children)
    assert for_admin is not statements[0]  # another shape of viewer, another rule
    with database.session() as session:
        for lead in leads:
            teams = select(TeamMember.inspection_id).where(
                TeamMember.inspector_id == lead.inspector_id
            )
            expected = sorted(session.scalars(teams))
            seen = session.scalars(statements[0], viewer_values(lead)).all()
            assert seen == expected and len(seen) < len(found)
        everything = session.scalars(for_admin, viewer_values(admin)).all()
        assert everything == sorted(i.inspection_id for i in found)
        nobody = Viewer(role=Role.INTEGRATOR)
        assert (
            session.scalars(
                prepared("test: children", nobody, _inspections_with_children),
                viewer_values(nobody),
            ).all()
            == []
        )
