"""One list on its own, as rows or as a local authority's CSV export: for the ingest benchmark
and tests."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Mapping, Sequence
from typing import Any

from core.contributions import FieldType, ListField, ListSpec
from core.registry import Registry
from core.synthetic.areas import Area
from core.synthetic.catalogue import FRAMEWORK, read_catalogue
from core.synthetic.distributions import MINIMUM_ROWS
from core.synthetic.errors import GenerateError

EXAMPLE_NOTIFICATION = dt.date(2016, 10, 4)  # a Tuesday in the da-2016 period


def synthetic_list(
    registry: Registry,
    list_code: str,
    rows: int,
    *,
    seed: int,
    notified: dt.date = EXAMPLE_NOTIFICATION,
) -> list[dict[str, Any]]:
    """``rows`` rows of one Annex A list of an area notified on ``notified``, with the values
    ``core.lists.read_list`` would give for them (JSON-ready: dates as ISO text)."""
    catalogue = read_catalogue(registry, FRAMEWORK)
    rng = random.Random(f"jtai-generate:{seed}:list:{list_code}")
    sizes = dict(MINIMUM_ROWS)
    if list_code in sizes:
        sizes[list_code] = rows
    elif list_code == catalogue.details_list:
        sizes["children-in-need"] = max(sizes["children-in-need"], rows * 3)
    area = Area(catalogue, rng, notified, sizes)
    area.draw_children()
    if list_code in catalogue.selection_lists or list_code in catalogue.sampling_lists:
        return [area.values(list_code, kid) for kid in area.members[list_code]]
    flagged = [k for k in area.selectable() if k.domestic_abuse]
    if list_code == catalogue.details_list:
        return [area.extra_fields(kid) for kid in flagged[:rows]]
    if list_code == catalogue.meetings_list:
        days = [notified + dt.timedelta(days=d) for d in range(14, 19)]
        return [area.meeting(days, flagged) for _ in range(rows)]
    raise GenerateError(f"no list {list_code!r} in framework {FRAMEWORK!r}.")


def export_cell(field: ListField, value: Any) -> str:
    """A value as a local authority's export writes it: dates DD/MM/YYYY, yes/no as Y or N."""
    if value is None:
        return ""
    if field.type is FieldType.DATE:
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    if field.type is FieldType.YES_NO:
        return "Y" if value else "N"
    return str(value)


def list_csv(spec: ListSpec, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The rows as a CSV file with the specification's labels as headers (UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f.label for f in spec.fields])
    writer.writerows([export_cell(f, row[f.name]) for f in spec.fields] for row in rows)
    return out.getvalue().encode()
