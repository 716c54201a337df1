"""The plugin contract: every hook a JTAI plugin may implement.

A plugin is a module (or module-level object) registered under the ``jtai`` entry-point group::

    [project.entry-points.jtai]
    ofsted = "plugins.ofsted.hooks"

and implementing some of the hooks below with the ``hookimpl`` marker::

    from core.hookspecs import hookimpl

    @hookimpl
    def jtai_inspectorate() -> Inspectorate: ...

What core relies on is declared by **role**, never by a plugin's codes (core names none):

- ``ListSpec.role`` (``ListRole``): ``SELECTION`` lists are those the (up to) 20 children are
  selected from; ``SAMPLING`` lists those inspectors sample children from;
  ``SELECTED_CHILD_DETAILS`` the one list with more on each selected child; ``MEETINGS`` the one
  list of the area's meetings in the fieldwork week.
- ``ListField.role`` (``FieldRole``): ``DOMESTIC_ABUSE_FLAG`` is the yes/no field of each
  SELECTION list that flags a child living with domestic abuse (only flagged children are
  selected); ``MEETING_TYPE`` is the code field of the MEETINGS list whose code set is the
  meeting types core accepts; ``MEETING_DATE`` (date), ``MEETING_TIME``, ``MEETING_CHILDREN``
  (child IDs) and the optional ``MEETING_VENUE`` (text) are the fields an accepted meetings list's
  rows become meetings from.
- ``Milestone.role`` (``MilestoneRole``): ``SELECT_CHILDREN`` and ``NAME_TRACKED_CHILDREN`` time
  those steps (a choice after the deadline is recorded as late).
- ``DocumentRequest.role`` (``RequestRole``): ``JOINT_EVALUATION`` is the per-tracked-child
  request for the partnership's joint evaluations; once it is due, untracking needs a reason.

The registry checks roles per framework: a field role sits on a field of the right type in a list
of the right role, a SELECTION list has exactly one DOMESTIC_ABUSE_FLAG field and a MEETINGS list
one field of each MEETING_* role (the venue's optional), and a framework has at most one
SELECTED_CHILD_DETAILS list, one MEETINGS list, one milestone of each role and one request of each
role. A framework without a role's list simply lacks that step (core refuses it, naming the
framework). ``EvidenceForm.version`` counts a
form's editions: each evidence record keeps the version it was recorded against.

Each hook returns plain frozen dataclasses from ``core.contributions``. Core calls every hook once,
at start-up, from one place (``core.registry.build_registry``), validates what comes back and
orders it deterministically; a problem stops start-up with an error naming the plugin, the item
and the fix. A plugin owns what it returns: the criteria it gives are led by its inspectorate, the
requests and forms it gives belong to it. Hooks take no arguments: a plugin's contributions are
data, not a function of other plugins' data.
"""

from __future__ import annotations

from collections.abc import Sequence

import pluggy

from core.contributions import (
    CodeSet,
    Criterion,
    DocumentRequest,
    EvidenceForm,
    Framework,
    Inspectorate,
    Milestone,
)

PROJECT_NAME = "jtai"
ENTRY_POINT_GROUP = "jtai"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --- Who the plugin is ----------------------------------------------------------------------------


@hookspec
def jtai_inspectorate() -> Inspectorate | None:
    """Describe the inspectorate this plugin speaks for.

    :return: the :class:`~core.contributions.Inspectorate` (code, names, GraphQL prefix, the agency
        kinds it inspects and the codes of the frameworks it takes part in). Every plugin that
        contributes anything must return one; its code owns everything else the plugin returns.
        Taking part in a framework makes the inspectorate part of inspections *created* after
        the plugin is installed (by default); an inspection keeps the inspectorates it was
        created with, whatever is installed or removed later.

    Called once at start-up, before any other hook.
    """


# --- Frameworks and what they evaluate ------------------------------------------------------------


@hookspec
def jtai_frameworks() -> Sequence[Framework]:  # type: ignore[empty-body]
    """Declare frameworks: editions of a JTAI theme (e.g. the 2016 domestic-abuse deep dive).

    :return: the frameworks this plugin declares, normally only the lead inspectorate's plugin.
        Each code must be unique across all plugins. Other plugins take part in a framework by
        listing its code in their :class:`~core.contributions.Inspectorate`.

    Called once at start-up.
    """


@hookspec
def jtai_criteria() -> Sequence[Criterion]:  # type: ignore[empty-body]
    """Contribute evaluation criteria to frameworks.

    :return: criteria, each naming its framework. The contributing inspectorate leads each one;
        ``evaluated_by`` names the other inspectorates that evaluate it, each taking part in the
        framework if its plugin is installed (one not installed is skipped: plugins are
        installed independently). Codes are unique within a framework across all plugins.

    Called once at start-up, after every framework is known.
    """


# --- What the area is asked for -------------------------------------------------------------------


@hookspec
def jtai_code_sets() -> Sequence[CodeSet]:  # type: ignore[empty-body]
    """Contribute code sets that list fields take their values from (e.g. category of abuse).

    :return: code sets with codes unique across all plugins. A list field of type ``code`` names
        one of them by code.

    Called once at start-up.
    """


@hookspec
def jtai_document_requests() -> Sequence[DocumentRequest]:  # type: ignore[empty-body]
    """Contribute the documents and lists the inspection asks the area for.

    :return: requests, each naming its framework, the agency kinds it is addressed to, whether it is
        asked once per area or per selected or tracked child, and its deadline rule relative to
        notification. A list request carries its field specification, with the ``ListRole``
        and ``FieldRole`` core reads it by (see the module's docstring). References are unique
        within a framework across all plugins; the plugin's inspectorate owns the request.

    Called once at start-up, after every framework and code set is known.
    """


@hookspec
def jtai_milestones() -> Sequence[Milestone]:  # type: ignore[empty-body]
    """Contribute the inspection team's own deadlines (e.g. 'select 20 children by midday day one').

    :return: milestones, each naming its framework; codes unique within a framework. A
        milestone that times one of core's steps carries its ``MilestoneRole``.

    Called once at start-up, after every framework is known.
    """


# --- What inspectors record -----------------------------------------------------------------------


@hookspec
def jtai_evidence_forms() -> Sequence[EvidenceForm]:  # type: ignore[empty-body]
    """Contribute the evidence forms the plugin's inspectors fill in.

    :return: forms, each for one framework. Every question's ``criteria`` must be codes of that
        framework's criteria. Core renders each form as data (for dynamic front ends) and as typed
        GraphQL: an output type implementing ``Evidence`` and an input type, both named with the
        inspectorate's GraphQL prefix.

    Called once at start-up, after every criterion is known.
    """
