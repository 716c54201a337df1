"""Validating the lists agencies upload (DOMAIN.md 4: Annex A lists, DfE CIN census codes).

Pure: no database, no GraphQL. One call reads one file against the list's
:class:`~core.contributions.ListSpec`::

    read_list(data, filename, spec, code_sets, today=date.today()) -> ListImport

``ListImport.rows`` holds one :class:`ParsedRow` per non-blank data row, numbered as the person sees
the row in the file, with a typed value for every field of the spec (``None`` when blank, missing or
unreadable). ``ListImport.problems`` holds every :class:`Problem` found; ``accepted`` is ``False``
when any of them is an ERROR, and then the whole file is rejected.

Formats: CSV (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252; comma, semicolon or
tab, sniffed, or named by Excel's 'sep=' line) and XLSX (the sheet named like the list's title or
code, else the first visible worksheet), chosen by the file's extension and its first bytes. Headers
need not be on row 1: title rows above them are skipped. Cells reading 'N/A', 'NULL', 'none' or '-'
count as blank.

The ERROR / QUERY split. An ERROR is something the inspection cannot use as sent, and the file comes
back to be corrected; a QUERY is plausible data worth a second look, kept as written and flagged.

ERROR (``accepted`` False):
    - the file cannot be read: empty, not CSV or XLSX, an old .xls or a password-protected
      workbook (``empty_file``, ``unsupported_format``, ``not_xlsx``, ``old_or_protected_excel``,
      ``unreadable_text``, ``unreadable_csv``, ``unreadable_xlsx``, ``no_sheet``);
    - a required column is missing (``missing_column``), or two columns read as one field
      (``duplicate_column``);
    - a required value is blank (``missing_value``); a date of birth or age may be blank only for
      an unborn child, that is a row with an expected date of birth and no date of birth;
    - a value cannot be read as its type: ``invalid_date``, ``invalid_integer`` (negatives
      included), ``invalid_yes_no``, ``invalid_postcode``, ``unknown_code``, or a CSV cell holding
      an Excel error such as #N/A (``formula_error``; calamine reads an XLSX error cell as an empty
      string, so there it counts as blank);
    - a date of birth in the future with no expected date of birth (``future_date_of_birth``).

QUERY (accepted, flagged):
    - a column that is not part of the list, which is ignored (``unknown_column``), or values under
      no header (``blank_header``);
    - a stated age that disagrees with the date of birth at ``today`` (or up to a month before, when
      the list may have been extracted) (``age_mismatch``);
    - the same child ID on two rows (``duplicate_child_id``);
    - an expected date of birth given together with a date of birth
      (``expected_date_of_birth_with_date_of_birth``), or a future date of birth together with an
      expected one, which reads as an unborn child (``future_date_of_birth_unborn``);
    - for an unborn child: an expected date of birth more than a month past
      (``expected_date_of_birth_past``) or more than ten months ahead
      (``expected_date_of_birth_far``), or an age other than 0 (``age_of_unborn_child``);
    - a row with values only under ignored columns, such as a footer, which is skipped
      (``row_ignored``);
    - headers but no rows (``no_rows``).
"""

from core.lists.result import ListImport, ParsedRow, Problem, Severity
from core.lists.validate import read_list

__all__ = ["ListImport", "ParsedRow", "Problem", "Severity", "read_list"]
