"""Exports of published findings as CSV and JSON, with the same filters as the ``findings`` query.

Both are built from ``feed.PublicFinding``, so they hold exactly what the graph gives integrators:
nothing about any child, no evidence. CSV cells that a spreadsheet would run as a formula are
prefixed with an apostrophe (OWASP's advice on CSV injection); the JSON is untouched. The CSV's
columns are documented in docs/integrators.md (section 5); a test keeps the two in step.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable

from core.integrations.feed import PublicFinding

CSV_COLUMNS = (
    "id",
    "inspection_reference",
    "area_code",
    "area_name",
    "framework",
    "kind",
    "headline",
    "title",
    "text",
    "criteria",
    "criteria_leads",
    "agency_kinds",
    "agencies",
    "agreed_by",
    "published_at",
    "updated_at",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _row(finding: PublicFinding) -> list[str]:
    return [
        finding.global_id,
        finding.inspection_reference,
        finding.area_code,
        finding.area_name,
        finding.framework,
        finding.kind.upper(),
        "yes" if finding.headline else "no",
        finding.title,
        finding.text,
        "; ".join(c.code for c in finding.criteria),
        "; ".join(c.lead for c in finding.criteria),  # the i-th lead is the i-th criterion's
        "; ".join(sorted({a.kind.name for a in finding.agencies})),
        "; ".join(a.name for a in finding.agencies),
        "; ".join(finding.agreements),
        finding.published_at.isoformat(),
        finding.updated_at.isoformat(),
    ]


UTF8_BOM = "\ufeff"


def to_csv(findings: Iterable[PublicFinding], *, bom: bool = False) -> str:
    """One row per finding; lists (criteria, agencies) joined with '; '. With ``bom`` the text
    starts with a byte order mark, which Excel needs to read UTF-8 (else 'é' shows as 'Ã©')."""
    out = io.StringIO()
    if bom:
        out.write(UTF8_BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for finding in findings:
        writer.writerow([_cell(value) for value in _row(finding)])
    return out.getvalue()


def to_json(findings: Iterable[PublicFinding], generated_at: dt.datetime) -> str:
    items = [f.as_json() for f in findings]
    document = {"generatedAt": generated_at.isoformat(), "count": len(items), "findings": items}
    return json.dumps(document, ensure_ascii=False, indent=2)
