"""Rows of the children-in-need (CSV) and child-protection (XLSX) lists, dated from the demo's
notification date so ages and expected dates of birth hold whenever the suite runs."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

CIN_HEADER = (
    "Child ID,Sex,Ethnic group,DOB,Expected DOB,Age (years),Disabled?,CIN start date,"
    "Primary need,Date last seen,CIN closure date,Reason for closure,Team,Worker,DA flag,Notes"
)


NOTIFIED = dt.date(2026, 11, 24)  # the demo's notification date (tests/conftest.py)


def today() -> dt.date:
    """The date the lists speak for: the inspection's notification date, whenever the suite
    runs (ages and expected dates of birth are checked against it)."""
    return NOTIFIED


def age(born: dt.date) -> int:
    now = today()
    return now.year - born.year - ((now.month, now.day) < (born.month, born.day))


def uk(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def cin_row(
    child: str,
    born: dt.date | None,
    *,
    gender: str = "Female",
    expected: dt.date | None = None,
    da: str = "Y",
    disabled: str = "N",
) -> str:
    start = today() - dt.timedelta(days=90)
    return ",".join(
        [
            child,
            gender,
            "White British" if born else "NOBT",
            uk(born) if born else "",
            uk(expected) if expected else "",
            str(age(born)) if born else "",
            disabled,
            uk(start),
            "N1 - Abuse or neglect",
            uk(today() - dt.timedelta(days=10)),
            "",
            "",
            "Locality North",
            "Worker A",
            da,
            "synthetic",
        ]
    )


def cin_csv(*rows: str) -> bytes:
    return ("\r\n".join([CIN_HEADER, *rows]) + "\r\n").encode()


BORN = today().replace(day=1) - dt.timedelta(days=6 * 365)


def cp_xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "CP plans"
    sheet.append(["Children on a child protection plan (synthetic)"])
    sheet.append([])
    sheet.append(
        [
            "Child ID",
            "Gender",
            "Ethnicity",
            "DOB",
            "Expected DOB",
            "Age",
            "Disability",
            "CP plan start date",
            "Initial category",
            "Latest category",
            "Last statutory visit",
            "Seen within timescales",
            "Seen alone",
            "CP plan end date",
            "Order or police protection in last six months",
            "Previous CP plans",
            "Team",
            "Worker",
            "DA",
        ]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def cp_row(child: str, born: dt.date | None, expected: dt.date | None = None) -> list[object]:
    return [
        child,
        "F" if born else "U",
        "WBRI" if born else "NOBT",
        born,
        expected,
        age(born) if born else None,
        "N",
        today() - dt.timedelta(days=120),
        "Emotional abuse",
        "NEG",
        today() - dt.timedelta(days=5),
        "Y",
        "Y",
        None,
        "N",
        1,
        "CP Team",
        "Worker B",
        "Y",
    ]
