"""Validating the lists agencies upload (DOMAIN.md 4: Annex A lists, DfE CIN census codes).

Pure: no database, no GraphQL. One call reads one file against the list's
:class:`~core.contributions.ListSpec`::

    read_list(data, filename, spec, code_sets, as_of=notification_date, limits=ListLimits())
        -> ListImport

``as_of`` is the date the list speaks for, the inspection's notification date: ages, dates of
birth and expected dates of birth are judged on it, and messages quote it. ``limits``
(:class:`~core.lists.limits.ListLimits`, from the JTAI_LIST_* and JTAI_XLSX_* settings) bound what a
file may cost; they are checked before its cells are materialised.

``ListImport.rows`` holds one :class:`ParsedRow` per non-blank data row, numbered as the person sees
the row in the file, with a typed value for every field of the spec (``None`` when blank, missing or
unreadable). ``ListImport.problems`` holds every :class:`Problem` found; ``accepted`` is ``False``
when any of them is an ERROR, and then the whole file is rejected.

Formats: CSV (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252; comma, semicolon or
tab, sniffed, or named by Excel's 'sep=' line) and XLSX (the sheet named like the list's title or
code, else the first visible worksheet), chosen by the file's extension and its first bytes. Headers
need not be on row 1: title rows above them are skipped. Headers are matched by their words
(:mod:`core.lists.headers`): the field's names exactly, else the one missing field a header is
closest to. Cells reading 'N/A', 'NULL', 'none' or '-' count as blank; code labels read as codes.

The ERROR / QUERY split. An ERROR is something the inspection cannot use as sent, and the file comes
back to be corrected; a QUERY is plausible data worth a second look, kept as written and flagged.

ERROR (``accepted`` False):
    - the file cannot be read: empty, not CSV or XLSX, an old .xls or a password-protected
      workbook (``empty_file``, ``unsupported_format``, ``not_xlsx``, ``old_or_protected_excel``,
      ``unreadable_text``, ``unreadable_csv``, ``unreadable_xlsx``, ``no_sheet``);
    - the file is beyond a limit, found before its cells are read (``too_many_rows``,
      ``too_many_columns``, ``too_many_cells``, ``cell_too_long``, ``workbook_too_large``,
      ``workbook_compression_ratio``, ``too_many_shared_strings``, ``too_many_parts``), or an
      XLSX part decompresses to other than it declares (``unreadable_xlsx``);
    - a required column is missing (``missing_column``), two columns read as one field
      (``duplicate_column``), or a header is as close to two missing fields as to either
      (``ambiguous_column``, naming both);
    - a required value is blank (``missing_value``); a date of birth or age may be blank only for
      an unborn child, that is a row with an expected date of birth and no date of birth;
    - a value cannot be read as its type: ``invalid_date``, ``invalid_integer`` (negatives
      included, but for an age of -1, which marks an unborn child), ``invalid_yes_no``,
      ``invalid_postcode``, ``unknown_code``, or a CSV cell holding an Excel error such as #N/A
      (``formula_error``; calamine reads an XLSX error cell as an empty string, so there it
      counts as blank);
    - a date of birth after ``as_of``, with or without an expected date of birth
      (``future_date_of_birth``);
    - for an unborn child, an expected date of birth more than two weeks before ``as_of``
      (``expected_date_of_birth_past``: a pregnancy runs to 42 weeks; later it has been born).

QUERY (accepted, flagged):
    - a header read as a field it is close to but not one of its names (``header_read_as``,
      naming the field);
    - a column that is not part of the list, which is ignored (``unknown_column``), or values under
      no header (``blank_header``);
    - a stated age that is not the child's age on any day from a month before ``as_of`` (an age
      refreshed monthly) to two weeks after it (extracted by the list's deadline)
      (``age_mismatch``);
    - the same child ID on two rows (``duplicate_child_id``);
    - an expected date of birth given together with a date of birth
      (``expected_date_of_birth_with_date_of_birth``);
    - an age of -1 for a child who is not unborn: born on a given date
      (``unborn_age_with_date_of_birth``) or with no expected date of birth
      (``unborn_age_without_expected_date_of_birth``); it is stored blank;
    - for an unborn child: an expected date of birth more than ten months after ``as_of``
      (``expected_date_of_birth_far``), or an age other than blank, 0 or -1
      (``age_of_unborn_child``);
    - a row with values only under ignored columns, such as a footer, which is skipped
      (``row_ignored``);
    - headers but no rows (``no_rows``).
"""

from core.lists.limits import ListLimits
from core.lists.result import ListImport, ParsedRow, Problem, Severity
from core.lists.validate import read_list

__all__ = ["ListImport", "ListLimits", "ParsedRow", "Problem", "Severity", "read_list"]
