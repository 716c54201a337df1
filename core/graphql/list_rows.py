"""A child's rows on the lists the area sent, shown with each list's own fields.

Below ``nodes`` (``Child.lists``) and shared with ``requests`` and ``selection``.
"""

from __future__ import annotations

import strawberry

from core.graphql.context import Info


@strawberry.type(description="One value of a list row, as the area sent it.")
class ListValue:
    """One type for a list's values, wherever a list row is shown (here and selection/types.py)."""

    name: str = strawberry.field(description="The field's name in the list specification.")
    label: str = strawberry.field(description="The column as the guidance words it.")
    value: str | None = strawberry.field(
        description="Y or N for yes/no fields, ISO dates, the text otherwise; null when blank."
    )


@strawberry.type(description="A child's row on one list: the list's own fields for the child.")
class ListMembership:
    list_code: str
    list_title: str | None
    row_number: int = strawberry.field(description="The row in the file the list came in.")
    values: list[ListValue] = strawberry.field(description="In the list's column order.")


async def child_lists(info: Info, child_id: int) -> list[ListMembership]:
    rows = await info.context.loaders.requests.lists_of_child.load(child_id)
    registry = info.context.registry
    memberships = []
    for row, framework in rows:
        spec = registry.list_spec(framework, row.list_code)
        fields = spec.fields if spec else ()
        named = {f.name for f in fields}
        values = [
            ListValue(name=f.name, label=f.label, value=list_text(row.values.get(f.name)))
            for f in fields
        ]
        # A field the spec no longer has stays visible rather than vanishing.
        values.extend(
            ListValue(name=name, label=name, value=list_text(value))
            for name, value in row.values.items()
            if name not in named
        )
        memberships.append(
            ListMembership(
                list_code=row.list_code,
                list_title=spec.title if spec else None,
                row_number=row.row_number,
                values=values,
            )
        )
    return memberships


def list_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value)
