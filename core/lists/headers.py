"""Matching the headers local authorities write to the fields of a list spec.

Two passes. **Exact**: a header and each name a field goes by (its ``label``, ``aliases``,
snake_case ``name`` and, for the common fields, core's :data:`BUILTIN_HEADERS`) are reduced to a
key: lower case, accents, spacing and punctuation dropped, filler words ('of', 'the', '(Y/N)',
'code', 'DD/MM/YYYY') dropped and the remaining words sorted, so that 'Date of birth',
'date_of_birth', 'Birth date (dd/mm/yyyy)' and 'DATE OF BIRTH' are one key. The spec's own names
come first; core's variants only fill keys the spec leaves free. A key that two fields of the spec
share is ambiguous and matches neither.

**Close** (:meth:`HeaderMatcher.close`), for a header no key matches: both are reduced to a set of
words with the template's filler dropped ('whether the child is', 'does the child have', 'was',
'has'...), abbreviations spelt out (DOB, EDD, CIN, CP, EPO, DA, LA, ID, S47, ICPC, SW...), plurals
and number words made one ('6 months', 'six month'), and a word one typing slip from a word of the
spec ('Ethnicty') read as that word. Each word weighs 1 / the number of the spec's fields using it
(so 'date' counts little and 'timescales' a lot; a word of no field counts a half), and a header's
closeness to a name is the weighted Dice coefficient of the two sets, ``2 |H & N| / (|H| + |N|)``;
to a field, that of its closest name. A header at least :data:`CLOSE_ENOUGH` to one field, and
closer to it by :data:`TIE_MARGIN` than to any other, reads as it; one as close to two is
ambiguous.

Every lookup goes through a word index: the work per header is bounded by its (capped) number of
words, never by the number of headers or fields times each other, so a 20,000-column header costs
20,000 lookups (``HeaderMatcher.comparisons`` counts the scored pairs).
"""

from __future__ import annotations

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
CLOSE_ENOUGH = 0.6  # weighted Dice closeness from which a header reads as a field
# A word no field uses ('recorded' in 'Date of birth as recorded') weighs half a word that only one
# field uses: it may be a note on the same field, or say the column is something else.
_UNKNOWN_WORD = 0.5
# Two fields both close enough and within this of each other are equally close: the header does
# not say which it is ('Category of abuse': initial 0.62, latest 0.77, as 'current' is rarer).
TIE_MARGIN = 0.2
SUGGEST = 0.35  # closeness from which a missing field's message names the header
_MAX_WORDS = 40  # of a header, looked at: no real header is longer
_TYPO_LENGTH = 5  # words this long or longer may be one typing slip from a spec's word
_LONGEST_WORD = 24  # longer words are not a slip of any field's word

# Phrases the Annex A template puts around its fields, dropped before the words are compared.
_PHRASES = re.compile(
    r"\b(?:whether the child is|does the child have|is the child or young person|"
    r"is the child|was the child|are they|is there|are there|the child or young person)\b"
)
_INITIALS = re.compile(r"\b(?:[a-z]\.){2,}")  # 'D.O.B.' is 'DOB'
# Words that do not tell two fields apart in the template's wording.
_LOOSE_FILLER = _FILLER | {
    "and",
    "or",
    "in",
    "on",
    "at",
    "by",
    "with",
    "was",
    "were",
    "has",
    "have",
    "had",
    "does",
    "do",
    "did",
    "whether",
    "their",
    "there",
    "they",
    "any",
    "be",
    "been",
    "this",
    "that",
    "which",
    "what",
    "yes",  # of '(Yes/No)'
    "no",
    "as",
}
# Abbreviations local authorities use, spelt out as the template's words.
_ABBREVIATIONS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "dob": ("date", "birth"),
        "edd": ("expected", "date", "birth"),
        "cin": ("child", "need"),
        "cp": ("child", "protection"),
        "cpp": ("child", "protection", "plan"),
        "epo": ("emergency", "protection", "order"),
        "da": ("domestic", "abuse"),
        "dv": ("domestic", "abuse"),
        "la": ("local", "authority"),
        "id": ("identifier",),
        "uid": ("unique", "identifier"),
        "ref": ("identifier",),
        "sw": ("social", "worker"),
        "icpc": ("initial", "child", "protection", "conference"),
        "icpcs": ("initial", "child", "protection", "conference"),
        "s47": ("section", "47"),
        "yot": ("youth", "offending", "team"),
        "nfa": ("no", "further", "action"),
        "nps": ("national", "probation", "service"),
        "crc": ("community", "rehabilitation", "company"),
        "cla": ("looked", "after"),
        "lac": ("looked", "after"),
        "eh": ("early", "help"),
        "num": ("number",),
        "nr": ("number",),
        "prev": ("previous",),
        "yr": ("year",),
        "yrs": ("year",),
        "dt": ("date",),
        "disabled": ("disability",),
        "sex": ("gender",),
        "six": ("6",),
        "twelve": ("12",),
        "three": ("3",),
    }
)


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def loose_words(text: str) -> tuple[str, ...]:
    """The words of a header that tell fields apart, spelt as the template spells them."""
    folded = unicodedata.normalize("NFKD", text).casefold().replace("&", " and ")
    folded = _INITIALS.sub(lambda initials: initials.group().replace(".", ""), folded)
    folded = _PHRASES.sub(" ", " ".join(_WORD.findall(folded)[:_MAX_WORDS]))
    words: list[str] = []
    for word in folded.split():
        for part in _ABBREVIATIONS.get(word, (word,)):
            part = _singular(part)
            if part not in _LOOSE_FILLER and part not in words:
                words.append(part)
    return tuple(words)


def _deletions(word: str) -> set[str]:
    return {word[:index] + word[index + 1 :] for index in range(len(word))}


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
    """The header keys and word index of one list spec, built once per upload."""

    __slots__ = (
        "_ambiguous",
        "_closeness",
        "_keys",
        "_names",
        "_postings",
        "_slips",
        "_spellings",
        "_weights",
        "comparisons",
    )

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
        # The close pass: each name's words, the fields using each word, and the spec's words
        # reachable by deleting one letter (a slip is two words one deletion apart each).
        self._postings: dict[str, list[tuple[ListField, frozenset[str]]]] = {}
        users: dict[str, set[str]] = {}
        for field in spec.fields:
            for name in (*self._names[field.name], field.name.replace("_", " ")):
                words = frozenset(loose_words(name))
                for word in words:
                    users.setdefault(word, set()).add(field.name)
                    entries = self._postings.setdefault(word, [])
                    if (field, words) not in entries:
                        entries.append((field, words))
        self._weights = {word: 1 / len(fields) for word, fields in users.items()}
        slips: dict[str, set[str]] = {}
        for word in self._weights:
            if len(word) >= _TYPO_LENGTH:
                for variant in (word, *_deletions(word)):
                    slips.setdefault(variant, set()).add(word)
        self._slips = slips
        self._spellings: dict[str, str] = {}  # a word not the spec's: the word it is a slip of
        self._closeness: dict[str, list[tuple[float, ListField]]] = {}  # by header, all fields
        self.comparisons = 0

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

    def _spelt(self, word: str) -> str:
        """``word``, or the one word of the spec it is a typing slip of."""
        if word in self._weights or not _TYPO_LENGTH <= len(word) <= _LONGEST_WORD:
            return word
        spelt = self._spellings.get(word)
        if spelt is None:
            found: set[str] = set()
            for variant in (word, *_deletions(word)):
                found |= self._slips.get(variant, set())
            spelt = self._spellings[word] = next(iter(found)) if len(found) == 1 else word
        return spelt

    def close(self, header: str, fields: Iterable[ListField]) -> list[tuple[float, ListField]]:
        """The ``fields`` ``header`` is close to (see the module docstring), closest first, each
        with its closeness; only those from :data:`SUGGEST` up."""
        found = self._closeness.get(header)
        if found is None:
            found = self._closeness[header] = self._score(header)
        if not found:
            return found
        wanted = {field.name for field in fields}
        return [(closeness, field) for closeness, field in found if field.name in wanted]

    def _score(self, header: str) -> list[tuple[float, ListField]]:
        words = frozenset(map(self._spelt, loose_words(header)))
        if not words:
            return []
        weight = self._weights.get
        header_weight = sum(weight(word, _UNKNOWN_WORD) for word in words)
        best: dict[str, tuple[float, ListField]] = {}
        seen: set[tuple[str, frozenset[str]]] = set()
        for word in words:
            for field, name_words in self._postings.get(word, ()):
                if (field.name, name_words) in seen:
                    continue
                seen.add((field.name, name_words))
                self.comparisons += 1
                shared = sum(weight(w, _UNKNOWN_WORD) for w in words & name_words)
                name_weight = sum(weight(w, _UNKNOWN_WORD) for w in name_words)
                closeness = 2 * shared / (header_weight + name_weight)
                if closeness >= SUGGEST and closeness > best.get(field.name, (0.0, field))[0]:
                    best[field.name] = (closeness, field)
        return sorted(best.values(), key=lambda found: -found[0])
