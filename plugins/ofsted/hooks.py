"""Ofsted's hook implementations: thin wrappers that hand core the plugin's data."""

from collections.abc import Sequence

from core.contributions import (
    CodeSet,
    Criterion,
    DocumentRequest,
    EvidenceForm,
    Framework,
    Inspectorate,
    Milestone,
)
from core.hookspecs import hookimpl
from plugins.ofsted.code_sets import CODE_SETS
from plugins.ofsted.criteria import CRITERIA
from plugins.ofsted.forms import EVIDENCE_FORMS
from plugins.ofsted.frameworks import FRAMEWORKS
from plugins.ofsted.inspectorate import INSPECTORATE
from plugins.ofsted.milestones import MILESTONES
from plugins.ofsted.requests import DOCUMENT_REQUESTS


@hookimpl
def jtai_inspectorate() -> Inspectorate:
    return INSPECTORATE


@hookimpl
def jtai_frameworks() -> Sequence[Framework]:
    return FRAMEWORKS


@hookimpl
def jtai_criteria() -> Sequence[Criterion]:
    return CRITERIA


@hookimpl
def jtai_code_sets() -> Sequence[CodeSet]:
    return CODE_SETS


@hookimpl
def jtai_document_requests() -> Sequence[DocumentRequest]:
    return DOCUMENT_REQUESTS


@hookimpl
def jtai_milestones() -> Sequence[Milestone]:
    return MILESTONES


@hookimpl
def jtai_evidence_forms() -> Sequence[EvidenceForm]:
    return EVIDENCE_FORMS
