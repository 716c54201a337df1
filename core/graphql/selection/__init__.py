"""Choosing children over GraphQL: the 20, the tracked 5-7, sampling, and a suggested sample.

The rules live in ``core.workflow.selection``; the mutations call it through ``run_service``, so a
refusal comes back as ``errors`` data (a broken rule's message starts ``Rule '<name>':``), and this
module resolves the ``Inspection`` fields that ``nodes.py`` declares (tests/core/test_selection.py).
The fieldwork (consent, meetings, people to meet) is ``fieldwork.py``.

Who sees what (``core.access``): the children chosen, with their details, reach admins and the
inspection team only. Agency users of the inspected area see what their own actions need and no
more, as the child's id and the local authority's own ID for it, never the child's record: users
of the area's local authority see which children are selected and whether their eight extra fields
have come (``extraFieldsDue``), since the LA sends them.
"""

from __future__ import annotations

from core.graphql.selection.fields import SelectionFields, SelectionQueries
from core.graphql.selection.mutations import (
    DeselectChildInput,
    DeselectChildPayload,
    SampleChildInput,
    SampleChildPayload,
    SelectChildrenInput,
    SelectChildrenPayload,
    SelectionMutations,
    TrackChildrenInput,
    TrackChildrenPayload,
)
from core.graphql.selection.suggestion import (
    SampleSuggestion,
    SpreadCount,
    SuggestedChild,
    suggest_sample,
)
from core.graphql.selection.types import (
    ExtraFieldsDue,
    SampledChild,
    SelectedChild,
    TrackedChild,
    extra_fields_due,
    sampled_children,
    selected_children,
    selection_complete,
    tracked_children,
    tracking_complete,
)

__all__ = [
    "DeselectChildInput",
    "DeselectChildPayload",
    "ExtraFieldsDue",
    "SampleChildInput",
    "SampleChildPayload",
    "SampleSuggestion",
    "SampledChild",
    "SelectChildrenInput",
    "SelectChildrenPayload",
    "SelectedChild",
    "SelectionFields",
    "SelectionMutations",
    "SelectionQueries",
    "SpreadCount",
    "SuggestedChild",
    "TrackChildrenInput",
    "TrackChildrenPayload",
    "TrackedChild",
    "extra_fields_due",
    "sampled_children",
    "selected_children",
    "selection_complete",
    "suggest_sample",
    "tracked_children",
    "tracking_complete",
]
