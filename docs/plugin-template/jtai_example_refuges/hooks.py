"""The plugin's hooks: each returns data defined in data.py (hooks stay thin)."""

from core.contributions import Criterion, DocumentRequest, EvidenceForm, Inspectorate
from core.hookspecs import hookimpl
from jtai_example_refuges import data


@hookimpl
def jtai_inspectorate() -> Inspectorate:
    return data.INSPECTORATE


@hookimpl
def jtai_criteria() -> tuple[Criterion, ...]:
    return data.CRITERIA


@hookimpl
def jtai_document_requests() -> tuple[DocumentRequest, ...]:
    return data.REQUESTS


@hookimpl
def jtai_evidence_forms() -> tuple[EvidenceForm, ...]:
    return data.FORMS
