"""Matching the headers local authorities write to the fields of a list spec.

A header and each name a field goes by (its ``label``, ``aliases``, snake_case ``name`` and, for
the common fields, core's :data:`BUILTIN_HEADERS`) are reduced to a key: lower case, accents,
spacing and punctuation dropped, filler words ('of', 'the', '(Y/N)', 'code', 'DD/MM/YYYY')
dropped and the remaining words sorted, so that 'Date of birth', 'date_of_birth',
'Birth date (dd/mm/yyyy)' and 'DATE OF BIRTH' are one key. The spec's own names come first; core's
variants only fill keys the spec leaves free. A key that two fields of the spec share is ambiguous
and matches neither.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from types import MappingProxyType

from core.contributions import ListField, ListSpec

# Headers local authorities' exports use for the common fields, by the field names core's list specs
# use for them (plugins/ofsted/requests.py). A spec's own label and aliases always win over these.
BUILTIN_HEADERS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "child_id": (
            "Child ID",
            "Child unique ID",
            "Child unique identifier",
            "Unique ID",
            "Unique identifier",
            "ID",
            "LA child ID",
            "LA ID",
            "Child reference",
            "Child ref",
            "Child number",
            "Person ID",
            "Client ID",
            "Case ID",
        ),
        "gender": ("Gender", "Sex", "Child's gender", "Legal sex"),
        "ethnicity": (
            "Ethnicity",
            "Ethnic group",
            "Ethnic origin",
            "Ethnic background",
            "Ethnic code",
            "Child's ethnicity",
        ),
        "date_of_birth": (
            "Date of birth",
            "DOB",
            "D.O.B.",
            "Birth date",
            "Birthdate",
            "Child's date of birth",
            "Child DOB",
        ),
        "expected_date_of_birth": (
            "Expected date of birth",
            "Expected DOB",
            "EDD",
            "Estimated date of delivery",
            "Expected delivery date",
            "Due date",
            "Unborn expected date of birth",
            "If unborn, expected DOB",
        ),
        "age_years": (
            "Age",
            "Age (years)",
            "Age in years",
            "Age of child",
            "Age of child (years)",
            "Child's age",
            "Current age",
        ),
        "disability": (
            "Disability",
            "Disabled",
            "Disabled?",
            "Has a disability",
            "Child has a disability",
            "Disability (Y/N)",
        ),
    }
)

_WORD = re.compile(r"[a-z0-9]+")
# Words that do not tell two headers apart: articles, the '(Y/N)' and date-format hints, 'code'.
_FILLER = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "is",
        "are",
        "if",
        "for",
        "to",
        "s",  # of "child's"
        "y",
        "n",
        "yn",
        "code",
        "dd",
        "mm",
        "yy",
        "yyyy",
        "ddmmyyyy",
        "ddmmyy",
    }
)
_SUGGESTION_CUTOFF = 0.8


def header_key(text: str) -> str:
    """The key two headers share when they name the same field."""
    folded = unicodedata.normalize("NFKD", text).casefold().replace("&", " and ")
    words = _WORD.findall(folded)
    kept = [word for word in words if word not in _FILLER] or words
    return " ".join(sorted(kept))


def display_header(text: str) -> str:
    """A header as written, with its line breaks and runs of spaces made single spaces."""
    return " ".join(text.split())


class HeaderMatcher:
    """The header keys of one list spec, built once per upload."""

    __slots__ = ("_ambiguous", "_keys", "_names")

    def __init__(self, spec: ListSpec) -> None:
        self._names: dict[str, tuple[str, ...]] = {}
        self._keys: dict[str, ListField] = {}
        self._ambiguous: dict[str, tuple[ListField, ...]] = {}
        own: dict[str, list[ListField]] = {}
        for field in spec.fields:
            self._names[field.name] = (field.label, *field.aliases)
            for name in (field.label, *field.aliases, field.name):
                fields = own.setdefault(header_key(name), [])
                if field not in fields:
                    fields.append(field)
        builtin: dict[str, list[ListField]] = {}
        for field in spec.fields:
            extra = tuple(
                name for name in BUILTIN_HEADERS.get(field.name, ()) if header_key(name) not in own
            )
            self._names[field.name] += extra
            for name in extra:
                fields = builtin.setdefault(header_key(name), [])
                if field not in fields:
                    fields.append(field)
        for tier in (own, builtin):
            for key, fields in tier.items():
                if len(fields) == 1:
                    self._keys[key] = fields[0]
                else:
                    self._ambiguous[key] = tuple(fields)

    def match(self, header: str) -> ListField | None:
        return self._keys.get(header_key(header))

    def ambiguous(self, header: str) -> tuple[ListField, ...]:
        """The fields a header could be read as when it names more than one of them."""
        return self._ambiguous.get(header_key(header), ())

    def names(self, field: ListField) -> tuple[str, ...]:
        """The headers read as ``field``: its label first, then its aliases and core's variants.

        Its snake_case ``name`` is read too, but not listed: it is not a header to suggest.
        """
        return self._names[field.name]

    def closest(self, header: str, fields: Iterable[ListField]) -> ListField | None:
        """The field among ``fields`` whose names ``header`` most nearly spells, if any is close."""
        key = header_key(header)
        best: tuple[float, ListField] | None = None
        for field in fields:
            for name in self._names[field.name]:
                ratio = difflib.SequenceMatcher(None, key, header_key(name)).ratio()
                if ratio >= _SUGGESTION_CUTOFF and (best is None or ratio > best[0]):
                    best = (ratio, field)
        return best[1] if best else None
