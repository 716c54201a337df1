"""The evidence forms Ofsted's inspectors fill in.

``case-tracking`` is Annex B of Ofsted guidance No. 160046 (seed 003): its questions and the ESNs
each cites are the guidance's own. The 'Inspector' and 'Inspectorate' boxes at the top of Annex B
are not questions: core records who recorded the evidence, and the inspector's inspectorate is
that of the plugin whose form it is. ``sampling``, ``cafcass-section7`` and ``case-tracking-2024``
are Ofsted's own design, grounded in the criteria they cite.
"""

from core.contributions import (
    Choice,
    EvidenceForm,
    EvidenceSubject,
    Question,
    QuestionKind,
)
from plugins.ofsted.frameworks import DA_2016, DA_2024, SOURCE_DA_2016


def esn(*numbers: int) -> tuple[str, ...]:
    """Criterion codes for evaluation schedule numbers: ``esn(1, 23) == ('ESN-01', 'ESN-23')``."""
    return tuple(f"ESN-{n:02d}" for n in numbers)


def _summary(code: str, text: str, criteria: tuple[str, ...], required: bool = True) -> Question:
    return Question(
        code=code,
        text=text,
        kind=QuestionKind.SUMMARY,
        required=required,
        criteria=criteria,
        help="Evaluative summary of the child's or young person's experience.",
    )


# Every child-level form starts by naming the child as the local authority's lists do.
CASE_NUMBER = Question(
    code="case_number",
    text="Case number",
    kind=QuestionKind.TEXT,
    required=True,
    help="The child unique ID from the local authority's lists.",
)

EVALUATION_ACCURACY_CHOICES: tuple[Choice, ...] = (
    Choice("YES", "Yes"),
    Choice("PARTLY", "Partly"),
    Choice("NO", "No"),
    Choice("NO_EVALUATION", "No evaluation has taken place"),
)

# Annex B's evaluative questions, verbatim, with the ESNs the guidance tags each one with.
ANNEX_B_QUESTIONS: tuple[Question, ...] = (
    _summary("referral_timely", "Was referral for action timely for the child?", esn(1, 3, 4, 23)),
    _summary(
        "risk_understood",
        "Is risk identified, understood and prioritised? Does the child appear to be safe?",
        esn(8, 9, 24),
    ),
    _summary(
        "decision_making",
        "Has decision-making matched the priority risks and needs?",
        esn(6, 9, 24, 25, 27, 28),
    ),
    _summary(
        "assessment_quality",
        "Where an assessment has been completed, are risks, needs and strengths clear?",
        esn(5, 24, 25, 27, 28),
    ),
    _summary(
        "plan_effective",
        "Is there a plan? Is it sufficient to address risk and need? Is it making a difference?",
        esn(6, 28, 30),
    ),
    _summary(
        "involvement",
        "Has the child been involved/engaged at all stages? Have family/carers been involved at "
        "all stages?",
        esn(10),
    ),
    _summary(
        "individual_needs_considered",
        "Have individual needs and circumstances been taken into account?",
        esn(9, 23, 24, 25, 27, 28),
    ),
    _summary(
        "joint_working",
        "Do the agencies work together effectively to protect the child?",
        esn(7, 26, 29),
    ),
)

CASE_TRACKING = EvidenceForm(
    framework=DA_2016,
    code="case-tracking",
    title="Tool for tracking children's experiences",
    subject=EvidenceSubject.TRACKED_CHILD,
    source=f"{SOURCE_DA_2016}, Annex B",
    description=(
        "One per tracked child per inspector, so that evaluations of evidence from tracking are "
        "recorded consistently. The questions reflect the child's experiences at each key stage "
        "of intervention. The inspector and their inspectorate (Annex B's first two boxes) are "
        "taken from who records the evidence."
    ),
    questions=(
        CASE_NUMBER,
        Question(
            code="child_age",
            text="Age of child/young person",
            kind=QuestionKind.TEXT,
            required=True,
            help="In years, or 'unborn' or months for a baby.",
        ),
        Question(
            code="individual_needs",
            text=(
                "Does the child have any individual needs relating to their circumstances? (for "
                "example, their ethnicity or a disability)"
            ),
            kind=QuestionKind.TEXT,
        ),
        Question(
            code="partnership_evaluation",
            text=(
                "Does the joint evaluation by the local partnership accurately evaluate the "
                "experiences of the child? (where an evaluation has taken place)"
            ),
            kind=QuestionKind.CHOICE,
            required=True,
            choices=EVALUATION_ACCURACY_CHOICES,
            help="Evaluation by the local area.",
        ),
        Question(
            code="partnership_evaluation_comments",
            text="Comments on the local partnership's joint evaluation",
            kind=QuestionKind.SUMMARY,
        ),
        *ANNEX_B_QUESTIONS,
    ),
)

# --- Ofsted's own design --------------------------------------------------------------------------

JOURNEY_POINTS: tuple[Choice, ...] = (
    Choice("CONTACT", "Contact"),
    Choice("EARLY_HELP", "Early help"),
    Choice("REFERRAL", "Referral"),
    Choice("ASSESSMENT", "Assessment (section 17)"),
    Choice("STRATEGY_DISCUSSION", "Strategy discussion"),
    Choice("SECTION_47", "Section 47 enquiry"),
    Choice("CHILD_IN_NEED_PLAN", "Child in need plan"),
    Choice("CHILD_PROTECTION_PLAN", "Child protection plan"),
    Choice("MARAC", "Multi-agency risk assessment conference"),
    Choice("OTHER", "Other"),
)

SAMPLING = EvidenceForm(
    framework=DA_2016,
    code="sampling",
    title="Sampling a child's experience at one point in their journey",
    subject=EvidenceSubject.SAMPLED_CHILD,
    source=f"Ofsted's own design, for {SOURCE_DA_2016} (paragraphs 2 and 15)",
    description=(
        "A targeted look at a child's experience at one point in their journey, picked from the "
        "child-level lists. Those lists cover all children, so the form records whether this "
        "child is living or has lived with domestic abuse."
    ),
    questions=(
        CASE_NUMBER,
        Question(
            code="journey_point",
            text="Point in the child's journey sampled",
            kind=QuestionKind.CHOICE,
            required=True,
            choices=JOURNEY_POINTS,
        ),
        Question(
            code="living_with_domestic_abuse",
            text="Is the child living, or have they lived, with domestic abuse?",
            kind=QuestionKind.YES_NO,
            required=True,
        ),
        _summary(
            "experience",
            "Were the risks to the child and their needs identified, seen through the eyes of the "
            "child, and responded to appropriately at this point?",
            esn(23, 24),
        ),
        _summary(
            "thresholds",
            "Were appropriate thresholds applied, was information shared effectively and was the "
            "intervention timely?",
            esn(26),
            required=False,
        ),
        _summary(
            "early_help",
            "Were risks prevented or reduced through timely access to effective help for the "
            "child, their non-abusive parent and the perpetrator?",
            esn(25),
            required=False,
        ),
        _summary(
            "views_heard",
            "Were the views of the child and family heard, and did that improve the help they "
            "received?",
            esn(33),
            required=False,
        ),
    ),
)

CAFCASS_SECTION7 = EvidenceForm(
    framework=DA_2016,
    code="cafcass-section7",
    title="Cafcass section 7 case",
    subject=EvidenceSubject.AGENCY,
    source=f"Ofsted's own design, for {SOURCE_DA_2016} (ESN 32, footnote 6, Annex A 7.1)",
    description=(
        "One per case of the three Ofsted selected from Cafcass's last 10 completed section 7 "
        "reports with domestic abuse, read from the file and the report Cafcass provided. "
        "Referrals from Cafcass are evaluated as part of the inspection."
    ),
    questions=(
        Question(
            code="case_reference",
            text="Cafcass case reference",
            kind=QuestionKind.TEXT,
            required=True,
        ),
        _summary(
            "identification",
            "How well did Cafcass identify the domestic abuse and understand its impact through "
            "the eyes of the child?",
            esn(32, 23),
        ),
        _summary(
            "work_with_child",
            "How effectively did Cafcass respond to and work with the child?",
            esn(32, 23),
        ),
        _summary(
            "advice_to_court",
            "How effective was the advice to the family court in the section 7 report?",
            esn(32),
        ),
        _summary(
            "referrals",
            "Where Cafcass referred concerns to other agencies, were thresholds applied, "
            "information shared and the referral acted on in time?",
            esn(32, 26),
            required=False,
        ),
    ),
)

CASE_TRACKING_2024 = EvidenceForm(
    framework=DA_2024,
    code="case-tracking-2024",
    title="Tracking the experience of a child who is a victim of domestic abuse",
    subject=EvidenceSubject.TRACKED_CHILD,
    source="Ofsted's own design, on the criteria and areas of the 2024-25 framework (seed 002)",
    description=(
        "One per tracked child per inspector: an evaluative summary under each of the framework's "
        "four areas, citing the criteria each one evidences."
    ),
    questions=(
        CASE_NUMBER,
        Question(
            code="child_age",
            text="Age of child",
            kind=QuestionKind.TEXT,
            required=True,
            help="In years, or 'unborn' or months for a baby.",
        ),
        Question(
            code="individual_needs",
            text="Does the child have any individual needs relating to their circumstances?",
            kind=QuestionKind.TEXT,
        ),
        Question(
            code="joint_audit",
            text="Does the agencies' joint audit accurately evaluate the experiences of the child?",
            kind=QuestionKind.CHOICE,
            required=True,
            choices=EVALUATION_ACCURACY_CHOICES,
        ),
        _summary(
            "identification",
            "Was the child seen and responded to as a victim of domestic abuse in their own right "
            "at the point of identification?",
            ("DA24-1", "DA24-2"),
        ),
        _summary(
            "assessment",
            "Were assessment, planning and decision-making based on the child's needs, the risks "
            "to them, strengths in their family networks, and their wishes and feelings?",
            ("DA24-3", "DA24-6"),
        ),
        _summary(
            "protection",
            "Did the child receive the right help and protection through effective information "
            "sharing, recording and timely intervention?",
            ("DA24-5",),
        ),
        _summary(
            "prevention",
            "Were the needs of the child, adult victims and perpetrators met at an early stage?",
            ("DA24-4",),
            required=False,
        ),
    ),
)

EVIDENCE_FORMS: tuple[EvidenceForm, ...] = (
    CASE_TRACKING,
    SAMPLING,
    CAFCASS_SECTION7,
    CASE_TRACKING_2024,
)
