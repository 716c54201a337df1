"""Who takes part in an inspection: the inspection's own record, not the plugins installed now.

The inspectorates taking part are chosen when the inspection is created, from those whose plugins
take part in its framework (all of them unless the admin names fewer), and stored. Sign-off,
requests, forms offered and coverage follow that set. Installing a plugin later never adds an
inspectorate to an existing inspection; removing one leaves it taking part, reported as missing:
the inspection stays readable, and an action that needs the missing plugin says which it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contributions import Inspectorate
from core.models import Inspection, InspectionInspectorate
from core.registry import Registry
from core.workflow.rules import Problem, Refused, invalid


def participant_codes(session: Session, inspection_id: int) -> tuple[str, ...]:
    """The codes of the inspectorates taking part in the inspection, sorted."""
    return tuple(
        session.scalars(
            select(InspectionInspectorate.inspectorate)
            .where(InspectionInspectorate.inspection_id == inspection_id)
            .order_by(InspectionInspectorate.inspectorate)
        )
    )


def taking_part(
    session: Session, registry: Registry, inspection: Inspection
) -> tuple[Inspectorate, ...]:
    """The inspectorates taking part whose plugins are installed (see :func:`missing_plugins`)."""
    found = (registry.inspectorate(code) for code in participant_codes(session, inspection.id))
    return tuple(i for i in found if i is not None)


def missing_plugins(
    session: Session, registry: Registry, inspection: Inspection
) -> tuple[str, ...]:
    """Codes of inspectorates taking part in the inspection whose plugins are not installed."""
    return tuple(
        code
        for code in participant_codes(session, inspection.id)
        if registry.inspectorate(code) is None
    )


def missing_plugin_problem(
    field: str | None, inspection: Inspection, codes: Sequence[str]
) -> Problem:
    """The refusal of an action that needs the plugins of inspectorates taking part."""
    names = ", ".join(f"'{code}'" for code in codes)
    return invalid(
        field,
        f"inspection {inspection.reference} has {names} taking part, but no installed plugin "
        f"speaks for {'it' if len(codes) == 1 else 'them'}. Install the plugin for {names} "
        "again ('jtai plugins' lists what is installed), then retry.",
    )


def require_plugins(
    session: Session, registry: Registry, inspection: Inspection, field: str | None = None
) -> None:
    """Refuse an action that needs every inspectorate taking part when a plugin is missing."""
    missing = missing_plugins(session, registry, inspection)
    if missing:
        raise Refused(missing_plugin_problem(field, inspection, missing))


def choose_participants(
    registry: Registry, framework: str, chosen: Sequence[str] | None, field: str
) -> tuple[str, ...]:
    """The inspectorates a new inspection has taking part: ``chosen`` checked, or all of them.

    The framework's lead always takes part: it leads the inspection and publishes its findings.
    """
    available = [i.code for i in registry.participants(framework)]
    if chosen is None:
        return tuple(available)
    problems = [
        invalid(
            f"{field}[{index}]",
            f"{code!r} does not take part in framework '{framework}' (taking part: "
            f"{', '.join(available)}). Choose from those.",
        )
        for index, code in enumerate(chosen)
        if code not in available
    ]
    lead = registry.framework_lead(framework)
    if lead not in chosen:
        problems.append(
            invalid(
                field,
                f"the framework's lead inspectorate '{lead}' always takes part. Add {lead!r}.",
            )
        )
    if problems:
        raise Refused(*problems)
    return tuple(sorted(set(chosen)))


def record_participants(session: Session, inspection: Inspection, codes: Sequence[str]) -> None:
    session.add_all(
        InspectionInspectorate(inspection_id=inspection.id, inspectorate=code) for code in codes
    )
