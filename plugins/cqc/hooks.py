"""CQC's hook implementations: thin wrappers that hand core the plugin's data."""

from collections.abc import Sequence

from core.contributions import Criterion, DocumentRequest, EvidenceForm, Inspectorate
from core.hookspecs import hookimpl
from plugins.cqc.criteria import CRITERIA
from plugins.cqc.forms import EVIDENCE_FORMS
from plugins.cqc.inspectorate import INSPECTORATE
from plugins.cqc.requests import DOCUMENT_REQUESTS


@hookimpl
def jtai_inspectorate() -> Inspectorate:
    return INSPECTORATE


@hookimpl
def jtai_criteria() -> Sequence[Criterion]:
    return CRITERIA


@hookimpl
def jtai_document_requests() -> Sequence[DocumentRequest]:
    return DOCUMENT_REQUESTS


@hookimpl
def jtai_evidence_forms() -> Sequence[EvidenceForm]:
    return EVIDENCE_FORMS
