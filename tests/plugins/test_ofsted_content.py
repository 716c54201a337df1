"""Ofsted's content checked against the guidance it comes from.

Criterion text, list fields, request titles and the case-tracking questions must be the 2016
guidance's own words (seed 003, Ofsted No. 160046) or the 2024-25 one minute guide's (seed 002), so
these tests parse the seeds and compare. They import the plugin's data modules directly, without
core's registry.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from core.contributions import (
    AgencyKind,
    Criterion,
    Deadline,
    DocumentRequest,
    EvidenceSubject,
    FieldRule,
    FieldType,
    ListSpec,
    QuestionKind,
    RequestScope,
    TimeOfDay,
    Weekday,
)
from plugins.ofsted import code_sets, criteria, forms, frameworks, hooks, milestones, requests
from plugins.ofsted.inspectorate import INSPECTORATE

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
GUIDANCE_2016 = "003_5840578df23fe90a.txt"
GUIDE_2024 = "002_0e4b5458b8c225d0.txt"

# Criteria of the 2016 deep dive that the other inspectorates lead (DOMAIN.md 5.4).
PARTNER_ESNS = {27, 28, 29, 31, 34}
OTHERS = ("cqc", "hmicfrs", "hmip")


# --- Reading the seeds ----------------------------------------------------------------------------


@cache
def seed(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def normalise(text: str) -> str:
    """Whitespace to single spaces; a line-break hyphen ('evidence-\\nbased') is kept, joined."""
    text = re.sub(r"-[ \t]*\n\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def without_footnotes(text: str) -> str:
    """Drop the footnote blocks the PDF extraction left at each page foot.

    A block starts at a long run of spaces on its own line and runs to the next line that starts
    with an indented word (the next bullet or heading), or to the end.
    """
    text = text.replace("Joint inspection guidance: children living with domestic abuse \n", "")
    text = text.replace("August 2016, No. 160046 \n\n11 \n", "")
    text = re.sub(r"(?m)^ *List Detail required *$", "", text)  # the tables' column headings
    return re.sub(r"\n {20,}\n(?:[^\n]*\n)*?(?= +\S|\s*\Z)", "\n", text)


def between(text: str, start: str, end: str) -> str:
    begin = text.index(start)
    return text[begin : text.index(end, begin + len(start))]


def chunks(text: str) -> list[str]:
    """Split on lines that start indented (the seed's bullets); the first chunk is the lead-in."""
    return [normalise(part) for part in re.split(r"\n +(?=\S)", "\n" + text) if normalise(part)]


def guidance_section(start: str, end: str) -> str:
    return without_footnotes(between(seed(GUIDANCE_2016), start, end))


@cache
def paragraph_8() -> dict[int, str]:
    """ESN number -> the criterion's words in paragraph 8, footnote markers dropped."""
    section = guidance_section("8. When the deep dive", "Annex A. Local information")
    found: dict[int, str] = {}
    for bullet in chunks(section)[1:]:
        match = re.fullmatch(r"(.*?) ?\(ESN (\d\d)\)\d*", bullet)
        assert match, f"paragraph 8 bullet without an ESN: {bullet!r}"
        body = re.sub(r"(?<=[a-z])\d+(?= )", "", match.group(1))  # 'professionals3 and'
        found[int(match.group(2))] = body
    return found


def list_table(start: str, end: str) -> tuple[str, list[str]]:
    """A table of Annex A: its lead-in (list name and coverage) and its field labels."""
    parts = chunks(guidance_section(start, end))
    labels = [re.sub(r"(?<=\))\d+$", "", part) for part in parts[1:]]  # '(Y/N)8'
    return parts[0], labels


def bullets_2024(after: str) -> list[str]:
    """The '- ' bullets that follow the line ``after`` in seed 002."""
    lines = seed(GUIDE_2024).split(after, 1)[1].strip().splitlines()
    found = []
    for line in lines:
        if not line.startswith("- "):
            break
        found.append(line[2:].strip())
    return found


def by_reference() -> dict[str, DocumentRequest]:
    return {r.reference: r for r in requests.DOCUMENT_REQUESTS}


def ofsted_criteria(framework: str) -> dict[str, Criterion]:
    return {c.code: c for c in criteria.CRITERIA if c.framework == framework}


# --- The inspectorate and its frameworks ----------------------------------------------------------


def test_inspectorate_is_ofsted_with_its_agencies_and_every_framework() -> None:
    assert INSPECTORATE.code == "ofsted"
    assert INSPECTORATE.graphql_prefix == "Ofsted"
    assert INSPECTORATE.short_name == "Ofsted"
    assert INSPECTORATE.name == "Office for Standards in Education, Children's Services and Skills"
    assert set(INSPECTORATE.agency_kinds) == {
        AgencyKind.LOCAL_AUTHORITY,
        AgencyKind.SAFEGUARDING_PARTNERSHIP,
        AgencyKind.CAFCASS,
        AgencyKind.SCHOOL,
    }
    assert INSPECTORATE.frameworks == tuple(f.code for f in frameworks.FRAMEWORKS)
    assert INSPECTORATE.frameworks == ("da-2016", "da-2024", "front-door-2024")


def test_2016_framework_matches_the_guidance() -> None:
    da = frameworks.FRAMEWORKS[0]
    text = normalise(seed(GUIDANCE_2016))
    assert da.code == "da-2016"
    assert "No. 160046" in da.source and "August 2016" in da.source
    assert "No. 160046" in text and "August 2016" in text
    assert "deep dive theme between September 2016 and March 2017" in text.replace("‘", "").replace(
        "’", ""
    )
    assert (da.period_start.isoformat(), str(da.period_end)) == ("2016-09-01", "2017-03-31")
    # 'By the end of the day that the area is notified of the inspection (Tuesday of week one)'
    assert "notified of the inspection (Tuesday of week one)" in text
    assert da.notification_weekday is Weekday.TUESDAY
    assert da.age_scope is not None and da.age_scope.includes_unborn
    assert da.age_scope.min_age_years is None and da.age_scope.max_age_years is None
    assert "If unborn: expected date of birth" in text
    # Paragraph 5: 16 and 17 year olds in peer relationships are not a specific focus.
    assert "young people aged 16 and 17 years old experiencing domestic abuse through peer" in text
    (out,) = da.out_of_scope
    assert "16 and 17" in out and "peer relationships" in out


def test_2024_framework_matches_the_one_minute_guide() -> None:
    da = frameworks.FRAMEWORKS[1]
    text = normalise(seed(GUIDE_2024))
    assert da.code == "da-2024"
    assert "September 2024 to May 2025" in text
    assert (da.period_start.isoformat(), str(da.period_end)) == ("2024-09-01", "2025-05-31")
    assert "usually notified of the inspection on a Monday" in text
    assert da.notification_weekday is Weekday.MONDAY
    assert "children aged 0-7 years (including unborn children)" in text
    assert da.age_scope is not None and da.age_scope.includes_unborn
    assert da.age_scope.max_age_years == 7
    assert "Domestic Abuse Act 2021" in da.summary and "all ages" in da.summary
    areas = bullets_2024("evaluate multi-agency arrangements for:")
    assert [a.title for a in da.areas] == [re.sub(r";( and)?$|\.$", "", a) for a in areas]
    assert [a.code for a in da.areas] == [
        "identification",
        "assessment",
        "protection",
        "prevention",
    ]
    assert (
        "Child to parent abuse and teenage relationship abuse (between those aged 16 and under)"
        in text
    )
    assert any(o.startswith("Child to parent abuse") for o in da.out_of_scope)
    assert any(
        "Teenage relationship abuse (between those aged 16 and under)" in o for o in da.out_of_scope
    )


def test_front_door_framework() -> None:
    fd = frameworks.FRAMEWORKS[2]
    assert fd.code == "front-door-2024"
    assert fd.notification_weekday is Weekday.MONDAY
    assert fd.age_scope is None
    assert "updated 5 April 2024" in fd.source
    assert fd.period_start.isoformat() == "2024-04-05" and fd.period_end is None


# --- Criteria -------------------------------------------------------------------------------------


def test_paragraph_8_holds_esn_23_to_37() -> None:
    assert sorted(paragraph_8()) == list(range(23, 38))


def test_ofsted_leads_every_2016_deep_dive_criterion_the_partners_do_not() -> None:
    led = {
        int(code.removeprefix("ESN-")) for code, c in ofsted_criteria("da-2016").items() if c.text
    }
    assert led == set(paragraph_8()) - PARTNER_ESNS
    assert led == {23, 24, 25, 26, 30, 32, 33, 35, 36, 37}


@pytest.mark.parametrize("number", sorted(set(range(23, 38)) - PARTNER_ESNS))
def test_esn_text_is_paragraph_8_verbatim(number: int) -> None:
    criterion = ofsted_criteria("da-2016")[f"ESN-{number:02d}"]
    body = paragraph_8()[number]
    assert criterion.text == criteria.fold_footnote(body, criterion.code)
    assert criterion.text is not None and criterion.text.startswith(body)
    assert criterion.source.startswith(frameworks.SOURCE_DA_2016)
    assert not criterion.reference_only
    assert criterion.title and len(criterion.title) <= 60


def test_folded_footnotes_are_the_seed_footnotes_on_the_term_they_define() -> None:
    raw_8 = normalise(between(seed(GUIDANCE_2016), "8. When the deep dive", "Annex A. Local"))
    text = normalise(seed(GUIDANCE_2016))
    assert set(criteria.FOLDED_FOOTNOTES) == {"ESN-23", "ESN-25", "ESN-35"}
    for code, (number, term, note) in criteria.FOLDED_FOOTNOTES.items():
        assert f"{number} {note}" in text, code
        criterion = ofsted_criteria("da-2016")[code]
        assert criterion.text is not None and criterion.text.endswith(")")
        if term is None:  # on the whole criterion: '(ESN 25)5'
            assert f"(ESN {code[-2:]}){number}" in raw_8
            assert criterion.text.endswith(f" ({note})")
        else:  # on the term: 'professionals3', 'leaders and managers7'
            assert f"{term.lower()}{number} " in raw_8
            assert criterion.text.endswith(f" ('{term}'{note.removeprefix('This')})")
    esn_23 = ofsted_criteria("da-2016")["ESN-23"].text
    assert esn_23 is not None
    assert esn_23.endswith(
        "('Professionals' means social workers, family/social work support "
        "workers, Cafcass practitioners, police officers and support staff, "
        "health professionals and support staff, personnel in the National "
        "Probation Service and community rehabilitation company, youth "
        "offending team staff, teachers and school staff.)"
    )


def test_procedural_footnote_6_is_not_folded_into_esn_32() -> None:
    assert "6 The lead inspector will contact the head of the relevant Cafcass region" in normalise(
        seed(GUIDANCE_2016)
    )
    esn_32 = ofsted_criteria("da-2016")["ESN-32"]
    assert esn_32.text == paragraph_8()[32]
    assert esn_32.evaluated_by == ()  # only Ofsted inspects Cafcass


def test_references_01_to_22_have_no_text() -> None:
    refs = [c for c in criteria.CRITERIA if c.reference_only]
    assert [c.code for c in refs] == [f"ESN-{n:02d}" for n in range(1, 23)]
    for c in refs:
        assert c.framework == "da-2016" and c.text is None
        assert c.title == f"ESN {c.code[-2:]} (main JTAI framework)"
        assert c.source == "Joint targeted area inspections: framework and guidance, Ofsted 2016"
    assert "ESNs 01–22 are in the main JTAI framework" in normalise(seed(GUIDANCE_2016))


def test_2024_criteria_are_the_guide_verbatim_in_its_areas() -> None:
    seeded = bullets_2024("evaluate the effectiveness of local areas. These include:")
    assert len(seeded) == 7
    da24 = list(ofsted_criteria("da-2024").values())
    assert [c.code for c in da24] == [f"DA24-{n}" for n in range(1, 8)]
    assert [c.text for c in da24] == seeded
    areas = {a.code for a in frameworks.FRAMEWORKS[1].areas}
    assert all(c.area in areas for c in da24)
    assert {c.area for c in da24} == areas  # every area has at least one criterion
    assert all(c.evaluated_by == OTHERS for c in da24)


def test_front_door_criteria() -> None:
    fd = list(ofsted_criteria("front-door-2024").values())
    assert [c.code for c in fd] == [f"FD24-{n}" for n in range(1, 7)]
    for c in fd:
        assert c.evaluated_by == ("cqc", "hmicfrs")  # HMI Probation takes no part
        assert c.source == frameworks.SOURCE_FRONT_DOOR_2024
        assert c.text


def test_evaluators_are_other_inspectorates_of_the_framework() -> None:
    for c in criteria.CRITERIA:
        assert "ofsted" not in c.evaluated_by
        assert set(c.evaluated_by) <= set(OTHERS)
        assert re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)*", c.code)
    codes = [(c.framework, c.code) for c in criteria.CRITERIA]
    assert len(codes) == len(set(codes))


# --- Lists ----------------------------------------------------------------------------------------

TABLES: list[tuple[ListSpec, str, str]] = [
    (requests.CHILDREN_IN_NEED, "Children identified as a", "Children on a child"),
    (requests.CHILD_PROTECTION_PLANS, "Children on a child", "11. If there are particular"),
    (requests.CONTACTS, "\nContacts \n", "\nEarly help \n"),
    (requests.EARLY_HELP, "\nEarly help \n", "\nReferrals \n"),
    (requests.REFERRALS, "\nReferrals \n", "\nAssessments"),
    (requests.ASSESSMENTS, "\nAssessments", "\nSection 47 \n"),
    (requests.SECTION_47, "\nSection 47 \n", "Key case file documents"),
]


@pytest.mark.parametrize(("spec", "start", "end"), TABLES, ids=lambda v: getattr(v, "code", ""))
def test_list_fields_are_the_seed_table(spec: ListSpec, start: str, end: str) -> None:
    lead_in, labels = list_table(start, end)
    assert [f.label.casefold() for f in spec.fields] == [label.casefold() for label in labels]
    # The seed's section 47 coverage lacks a full stop before 'This includes'.
    assert lead_in.replace(".", "") == f"{spec.title} {spec.coverage}".replace(".", "")


@pytest.mark.parametrize("spec", requests.SEED_LISTS, ids=lambda s: s.code)
def test_every_seed_list_starts_with_the_common_six(spec: ListSpec) -> None:
    assert spec.fields[:6] == requests.COMMON_FIELDS
    names = [f.name for f in spec.fields]
    assert len(names) == len(set(names))


def test_common_fields_and_the_domestic_abuse_flag() -> None:
    by_name = {f.name: f for f in requests.COMMON_FIELDS}
    assert list(by_name) == [
        "child_id",
        "gender",
        "ethnicity",
        "date_of_birth",
        "expected_date_of_birth",
        "age_years",
    ]
    assert by_name["date_of_birth"].rule is FieldRule.REQUIRED_UNLESS_UNBORN
    assert by_name["expected_date_of_birth"].rule is FieldRule.ONLY_WHEN_UNBORN
    assert not by_name["expected_date_of_birth"].required
    assert by_name["gender"].code_set == "gender" and by_name["ethnicity"].code_set == "ethnicity"
    for spec in (requests.CHILDREN_IN_NEED, requests.CHILD_PROTECTION_PLANS):
        flag = spec.fields[-1]
        assert flag.name == "domestic_abuse" and flag.type is FieldType.YES_NO and flag.required


def test_yes_no_labels_are_yes_no_fields() -> None:
    for spec in (*requests.SEED_LISTS, requests.SELECTED_CHILDREN):
        for f in spec.fields:
            if f.label.endswith("(Y/N)"):
                assert f.type is FieldType.YES_NO, f.name


def test_selected_children_fields_are_paragraph_12() -> None:
    bullets = chunks(guidance_section("12. By midday on day one", "13. By the end of day two"))[1:]
    spec = requests.SELECTED_CHILDREN
    assert spec.fields[0] is requests.CHILD_ID
    assert [f.label for f in spec.fields[1:]] == [b.removesuffix(".") for b in bullets]
    assert len(bullets) == 8
    assert spec.fields[-1].type is FieldType.POSTCODE


def test_meeting_types_are_paragraph_14() -> None:
    bullets = chunks(guidance_section("14. By the end of day two", "15. The local authority"))[1:]
    labels = {c.code: c.label.casefold() for c in code_sets.MEETING_TYPE.codes}
    assert [labels["ICPC"], labels["RCPC"], labels["CLA"], labels["STRATEGY"]] == [
        b.casefold().removesuffix("s") for b in bullets[:4]
    ]
    assert bullets[4].casefold().startswith(labels["OTHER"]) and "MARAC" in bullets[4]
    assert [f.name for f in requests.MEETINGS.fields] == [
        "meeting_type",
        "meeting_date",
        "meeting_time",
        "children",
        "venue",
    ]


def test_code_fields_name_code_sets_of_the_plugin() -> None:
    known = {s.code for s in code_sets.CODE_SETS}
    for r in requests.DOCUMENT_REQUESTS:
        if r.list_spec is None:
            continue
        for f in r.list_spec.fields:
            assert (f.type is FieldType.CODE) == (f.code_set is not None), f.name
            assert f.code_set is None or f.code_set in known
            assert re.fullmatch(r"[a-z][a-z0-9_]*", f.name)


# --- Requests -------------------------------------------------------------------------------------


def test_case_file_documents_are_paragraph_16() -> None:
    items = chunks(guidance_section("16. By the end of day five", "17. The CQC"))[1:]
    case_files = requests.CASE_FILE_REQUESTS
    assert [r.title for r in case_files[:-1]] == items[:8]
    chronology = case_files[-1]
    assert chronology.reference == "case-file.chronology"
    assert items[8] == f"{chronology.title}. Significant events may include:"
    assert list(requests.CHRONOLOGY_EVENTS) == items[9:]
    for event in requests.CHRONOLOGY_EVENTS:
        assert event in chronology.description
    for r in case_files:
        assert r.reference.startswith("case-file.")
        assert r.scope is RequestScope.TRACKED_CHILD
        assert r.deadline == Deadline.working_day(5, TimeOfDay.END_OF_DAY)


def other_information() -> dict[str, str]:
    """'1.1' -> the text that follows '1.1 – ' up to the next number, footnote markers dropped."""
    text = normalise(guidance_section("19. By the end of day five", "Consent to meet"))
    text = re.sub(r"(?<=[a-z]\.)\d+(?= )", "", text)  # 'domestic abuse.11 Cafcass'
    parts = re.split(r"(\d\.\d) – ", text)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_other_information_is_paragraph_19_for_the_la_lscb_and_cafcass() -> None:
    seeded = other_information()
    ours = {
        r.reference: r for r in requests.DOCUMENT_REQUESTS if re.fullmatch(r"\d\.\d", r.reference)
    }
    assert set(ours) == {ref for ref in seeded if ref[0] in "127"}
    assert len(ours) == 14
    for ref, request in ours.items():
        following = seeded[ref]
        assert following.startswith(request.title), ref
        assert following[len(request.title) :][:1] in ("", " "), ref  # the whole title
        assert request.scope is RequestScope.AREA


def test_other_information_addressees_and_deadlines() -> None:
    day_five = Deadline.working_day(5, TimeOfDay.END_OF_DAY)
    for ref, r in by_reference().items():
        if ref.startswith("1."):
            assert (r.addressed_to, r.deadline) == ((AgencyKind.LOCAL_AUTHORITY,), day_five)
        elif ref.startswith("2."):
            assert (r.addressed_to, r.deadline) == (
                (AgencyKind.SAFEGUARDING_PARTNERSHIP,),
                day_five,
            )
    text = normalise(seed(GUIDANCE_2016))
    assert "Cafcass should provide this information by the end of day one" in text
    assert by_reference()["7.1"].deadline == Deadline.working_day(1, TimeOfDay.END_OF_DAY)
    assert by_reference()["7.1"].addressed_to == (AgencyKind.CAFCASS,)


EXPECTED: dict[str, tuple[Deadline, RequestScope, str]] = {
    # reference: (deadline, scope, the seed's words for it)
    "list.children-in-need": (
        Deadline.working_day(0, TimeOfDay.END_OF_DAY),
        RequestScope.AREA,
        "By the end of the day that the area is notified of the inspection",
    ),
    "list.child-protection-plans": (
        Deadline.working_day(0, TimeOfDay.END_OF_DAY),
        RequestScope.AREA,
        "lists of children identified as a child in need and children who are the subject of",
    ),
    "list.selected-children": (
        Deadline.working_day(2, TimeOfDay.MID_AFTERNOON),
        RequestScope.AREA,
        "By mid-afternoon of day two (Thursday), the local authority should provide",
    ),
    "list.meetings": (
        Deadline.working_day(2, TimeOfDay.END_OF_DAY),
        RequestScope.AREA,
        "By the end of day two (Thursday), the local authority should provide the lead inspector "
        "with details of multi-agency meetings",
    ),
    "list.contacts": (
        Deadline.working_day(2, TimeOfDay.END_OF_DAY),
        RequestScope.AREA,
        "The local authority should also provide the lists of child-level data",
    ),
    "cafcass.s7-files": (
        Deadline.working_day(2, TimeOfDay.END_OF_DAY),
        RequestScope.AREA,
        "Cafcass should provide the file and the section 7 reports for these three cases by the "
        "end of the day two",
    ),
    "joint-evaluation": (
        Deadline.working_day(7, TimeOfDay.END_OF_DAY),
        RequestScope.TRACKED_CHILD,
        "joint evaluations of children's experiences electronically by the end of day seven",
    ),
    "consent": (
        Deadline.week_day(2, Weekday.FRIDAY, TimeOfDay.END_OF_DAY),
        RequestScope.TRACKED_CHILD,
        "should be confirmed by local agencies in writing as soon as possible and by the end of "
        "week two",
    ),
}


@pytest.mark.parametrize("reference", sorted(EXPECTED))
def test_deadlines_and_scopes(reference: str) -> None:
    deadline, scope, words = EXPECTED[reference]
    request = by_reference()[reference]
    assert (request.deadline, request.scope) == (deadline, scope)
    assert words in normalise(seed(GUIDANCE_2016)).replace("’", "'")


def test_every_sampling_list_is_due_at_the_end_of_day_two() -> None:
    for ref in ("list.contacts", "list.early-help", "list.referrals", "list.assessments"):
        assert by_reference()[ref].deadline == Deadline.working_day(2, TimeOfDay.END_OF_DAY)
    assert by_reference()["list.section-47"].list_spec is requests.SECTION_47


def test_requests_are_ofsteds_own_and_unique() -> None:
    refs = [r.reference for r in requests.DOCUMENT_REQUESTS]
    assert len(refs) == len(set(refs))
    for r in requests.DOCUMENT_REQUESTS:
        assert r.framework == "da-2016"
        assert re.fullmatch(r"[a-z0-9]+([.\-][a-z0-9]+)*", r.reference)
        assert r.addressed_to
        assert not re.fullmatch(r"[3-6]\.\d", r.reference)  # the partners' requests
        assert r.reference != "cqc.health-documents"
        assert (r.list_spec is not None) == r.reference.startswith("list.")
    # Lists go to the local authority; Cafcass's requests to Cafcass.
    for r in requests.LIST_REQUESTS:
        assert r.addressed_to == (AgencyKind.LOCAL_AUTHORITY,)
    for r in requests.CAFCASS_REQUESTS:
        assert r.addressed_to == (AgencyKind.CAFCASS,)


# --- Milestones -----------------------------------------------------------------------------------


def test_milestones_are_annex_a() -> None:
    text = normalise(seed(GUIDANCE_2016))
    assert "By midday on day one (Wednesday), the lead inspector selects 20 children" in text
    assert (
        "Ofsted will select three of these cases and notify Cafcass at the beginning of day two"
        in text
    )
    assert (
        "By the end of day two, the lead inspector will inform the local authority of between "
        "five and seven children"
    ) in text
    assert {m.code: m.deadline for m in milestones.MILESTONES} == {
        "select-children": Deadline.working_day(1, TimeOfDay.MIDDAY),
        "select-cafcass-cases": Deadline.working_day(2, TimeOfDay.START_OF_DAY),
        "name-tracked-children": Deadline.working_day(2, TimeOfDay.END_OF_DAY),
    }
    assert all(m.framework == "da-2016" for m in milestones.MILESTONES)


# --- Forms ----------------------------------------------------------------------------------------


def annex_b() -> list[tuple[str, tuple[str, ...]]]:
    """Annex B's evaluative questions with the ESN tags the seed gives each."""
    section = without_footnotes(between(seed(GUIDANCE_2016), "Annex B. Tool", "The Office for"))
    found = []
    for block in re.split(r"\n[ \t]*\n", section):
        match = re.fullmatch(r"(.*\?) ESN ((?:\d\d, )*\d\d)\d*", normalise(block))
        if match:
            tags = tuple(f"ESN-{n}" for n in match.group(2).split(", "))
            found.append((match.group(1), tags))
    return found


def test_case_tracking_questions_cite_exactly_the_seeds_esns() -> None:
    seeded = annex_b()
    assert len(seeded) == 8
    ours = [(q.text, q.criteria) for q in forms.ANNEX_B_QUESTIONS]
    assert ours == seeded
    for q in forms.ANNEX_B_QUESTIONS:
        assert q.kind is QuestionKind.SUMMARY and q.required


def test_case_tracking_header_is_annex_b() -> None:
    form = forms.CASE_TRACKING
    annex = normalise(between(seed(GUIDANCE_2016), "Annex B. Tool", "Inspector’s evaluation"))
    assert form.subject is EvidenceSubject.TRACKED_CHILD and form.framework == "da-2016"
    questions = {q.code: q for q in form.questions}
    for code in ("case_number", "child_age", "individual_needs", "partnership_evaluation"):
        # The seed's last bracket is never closed: '(where an evaluation has taken place'.
        assert questions[code].text.removesuffix(")") in annex, code
    accuracy = questions["partnership_evaluation"]
    assert accuracy.kind is QuestionKind.CHOICE
    assert [c.code for c in accuracy.choices] == ["YES", "PARTLY", "NO", "NO_EVALUATION"]
    assert form.questions[-8:] == forms.ANNEX_B_QUESTIONS
    # 'Inspector' and 'Inspectorate' come from who records the evidence, not from questions.
    assert "Inspector Inspectorate Case number" in annex
    assert "who records the evidence" in form.description


RESERVED = {
    "id",
    "inspection",
    "child",
    "agency",
    "status",
    "form",
    "inspectorate",
    "criteria",
    "recorded_by",
    "recorded_at",
    "updated_at",
    "subject",
}


def test_forms_follow_the_contract_and_cite_their_frameworks_criteria() -> None:
    esns = {f"ESN-{n:02d}" for n in range(1, 38)}
    da24 = set(ofsted_criteria("da-2024"))
    codes = [f.code for f in forms.EVIDENCE_FORMS]
    assert codes == ["case-tracking", "sampling", "cafcass-section7", "case-tracking-2024"]
    for form in forms.EVIDENCE_FORMS:
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", form.code)
        allowed = esns if form.framework == "da-2016" else da24
        question_codes = [q.code for q in form.questions]
        assert len(question_codes) == len(set(question_codes))
        for q in form.questions:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", q.code) and q.code not in RESERVED
            assert set(q.criteria) <= allowed, (form.code, q.code)
            assert bool(q.choices) == (q.kind in (QuestionKind.CHOICE, QuestionKind.MULTI_CHOICE))
            assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", c.code) for c in q.choices)
        assert any(q.criteria for q in form.questions)


def test_own_design_forms_are_grounded_in_criteria_ofsted_leads() -> None:
    led = {c.code for c in criteria.DA_2016_CRITERIA}
    assert forms.SAMPLING.subject is EvidenceSubject.SAMPLED_CHILD
    assert forms.CAFCASS_SECTION7.subject is EvidenceSubject.AGENCY
    for form in (forms.SAMPLING, forms.CAFCASS_SECTION7):
        cited = {c for q in form.questions for c in q.criteria}
        assert cited and cited <= led, form.code
    assert all("ESN-32" in q.criteria for q in forms.CAFCASS_SECTION7.questions if q.criteria)
    journey = {q.code: q for q in forms.SAMPLING.questions}["journey_point"]
    assert {"CONTACT", "REFERRAL", "EARLY_HELP", "ASSESSMENT", "SECTION_47"} <= {
        c.code for c in journey.choices
    }
    cited_2024 = {c for q in forms.CASE_TRACKING_2024.questions for c in q.criteria}
    assert cited_2024 <= set(ofsted_criteria("da-2024"))


# --- Code sets ------------------------------------------------------------------------------------


def test_census_code_sets_have_exactly_the_census_codes() -> None:
    sets = {s.code: s for s in code_sets.CODE_SETS}
    expected = {
        "referral-source": "1A 1B 1C 1D 2A 2B 3A 3B 3C 3D 3E 3F 4 5A 5B 5C 5D 6 7 8 9 10",
        "primary-need": " ".join(f"N{n}" for n in range(10)),
        "category-of-abuse": "NEG PHY SAB EMO MUL",
        "reason-for-closure": " ".join(f"RC{n}" for n in range(1, 10)),
        "gender": "M F U",
        "ethnicity": "WBRI WIRI WIRT WOTH WROM MWBC MWBA MWAS MOTH AIND APKN ABAN AOTH BCRB BAFR "
        "BOTH CHNE OOTH REFU NOBT",
    }
    for code, codes in expected.items():
        assert [c.code for c in sets[code].codes] == codes.split(), code
        assert sets[code].source == "DfE children in need census"
    assert set(sets) == set(expected) | {"meeting-type"}


def reader(code_set: str) -> dict[str, str]:
    """What core's matching would read each written value as (case and spacing ignored)."""
    (found,) = [s for s in code_sets.CODE_SETS if s.code == code_set]
    table: dict[str, str] = {}
    for c in found.codes:
        for written in (c.code, c.label, *c.aliases):
            key = re.sub(r"\s+", "", written).casefold()
            assert table.setdefault(key, c.code) == c.code, f"{code_set}: {written!r} is ambiguous"
    return table


@pytest.mark.parametrize("code_set", [s.code for s in code_sets.CODE_SETS])
def test_no_written_value_reads_as_two_codes(code_set: str) -> None:
    assert reader(code_set)


@pytest.mark.parametrize(
    ("code_set", "written", "code"),
    [
        ("category-of-abuse", "Emotional abuse", "EMO"),
        ("category-of-abuse", "emotional", "EMO"),
        ("category-of-abuse", "Neglect", "NEG"),
        ("category-of-abuse", "Physical", "PHY"),
        ("category-of-abuse", "Sexual abuse", "SAB"),
        ("category-of-abuse", "Multiple", "MUL"),
        ("gender", "Male", "M"),
        ("gender", "1", "M"),
        ("gender", "F", "F"),
        ("gender", "2", "F"),
        ("gender", "0", "U"),
        ("gender", "9", "U"),
        ("gender", "Not stated", "U"),
        ("referral-source", "Police", "6"),
        ("referral-source", "Health services: A&E", "3E"),
        ("referral-source", "Individual: self", "1D"),
        ("referral-source", "LA services: early help", "5D"),
        ("primary-need", "Abuse or neglect", "N1"),
        ("reason-for-closure", "Case closed after assessment referred to early help", "RC9"),
        ("ethnicity", "White British", "WBRI"),
        ("meeting-type", "MARAC", "MARAC"),
    ],
)
def test_values_local_authorities_write(code_set: str, written: str, code: str) -> None:
    assert reader(code_set)[re.sub(r"\s+", "", written).casefold()] == code


# --- Hooks ----------------------------------------------------------------------------------------


def test_hooks_hand_core_the_data_modules() -> None:
    assert hooks.jtai_inspectorate() is INSPECTORATE
    assert hooks.jtai_frameworks() is frameworks.FRAMEWORKS
    assert hooks.jtai_criteria() is criteria.CRITERIA
    assert hooks.jtai_code_sets() is code_sets.CODE_SETS
    assert hooks.jtai_document_requests() is requests.DOCUMENT_REQUESTS
    assert hooks.jtai_milestones() is milestones.MILESTONES
    assert hooks.jtai_evidence_forms() is forms.EVIDENCE_FORMS
