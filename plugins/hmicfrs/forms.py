"""HMICFRS's evidence form for the 2016 deep dive: the police force's response to domestic abuse.

The guidance gives HMICFRS no form of its own (Annex B's tracking tool is shared and lives in
Ofsted's plugin). This one is HMICFRS's own design: one record per police force, following a
domestic abuse case from the first response to the investigation's outcome (ESN 31) and the force's
part in MARAC (ESN 29), with the joint criteria on seeing incidents through the eyes of the child
(ESN 23), thresholds and information sharing (ESN 26) and adult victims (ESN 28) where the police
contribute to them.
"""

from core.contributions import EvidenceForm, EvidenceSubject, Question, QuestionKind
from core.scales import EXTENT

EVIDENCE_FORMS: tuple[EvidenceForm, ...] = (
    EvidenceForm(
        framework="da-2016",
        code="police-investigation",
        title="Police force: response to and investigation of domestic abuse",
        subject=EvidenceSubject.AGENCY,
        description=(
            "One record per police force: the initial response and risk assessment, the "
            "safeguarding of children present, the quality of investigation and the pursuit of "
            "prosecution, the force's part in MARAC and its information sharing with children's "
            "social care."
        ),
        source=(
            "HMICFRS's own design, grounded in ESN 31 and ESN 29 (with ESN 23, 26 and 28) of "
            "Joint inspection guidance: children living with domestic abuse (Ofsted, August 2016, "
            "No. 160046)"
        ),
        questions=(
            Question(
                code="initial_response",
                text=(
                    "How timely and effective is the initial response to domestic abuse incidents "
                    "in families with children, from the call to attendance?"
                ),
                kind=QuestionKind.SUMMARY,
                required=True,
                criteria=("ESN-31",),
                help="Include call handling, grading of the response and attendance times.",
            ),
            Question(
                code="dash_completed",
                text=(
                    "Do officers complete a domestic abuse risk assessment (DASH risk checklist or "
                    "the force's equivalent) at the scene?"
                ),
                kind=QuestionKind.CHOICE,
                choices=EXTENT,
                criteria=("ESN-31", "ESN-28"),
            ),
            Question(
                code="risk_assessment_quality",
                text=(
                    "How well do the risk assessments identify the risks to adult victims and to "
                    "the children, and is the risk level reviewed and supervised?"
                ),
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-31", "ESN-28"),
            ),
            Question(
                code="children_present",
                text=(
                    "Do officers identify, see and record the children present or living in the "
                    "household, including their demeanour and what they say?"
                ),
                kind=QuestionKind.CHOICE,
                choices=EXTENT,
                criteria=("ESN-23", "ESN-31"),
            ),
            Question(
                code="children_safeguarded",
                text="How well are the children present safeguarded at and after the incident?",
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-23", "ESN-31"),
            ),
            Question(
                code="investigation_quality",
                text=(
                    "How effective is the investigation: evidence gathered (for example body-worn "
                    "video, 999 recordings, photographs, statements from witnesses), arrest and "
                    "management of suspects, supervision and timeliness?"
                ),
                kind=QuestionKind.SUMMARY,
                required=True,
                criteria=("ESN-31",),
            ),
            Question(
                code="evidence_led_prosecution",
                text=(
                    "Where the victim does not support a prosecution, does the force pursue an "
                    "evidence-led prosecution where the evidence allows?"
                ),
                kind=QuestionKind.CHOICE,
                choices=EXTENT,
                criteria=("ESN-31",),
            ),
            Question(
                code="protective_measures",
                text=(
                    "Are protective measures used to keep victims and children safe (for example "
                    "bail conditions, domestic violence protection notices and orders, disclosure "
                    "under the domestic violence disclosure scheme)?"
                ),
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-31", "ESN-28"),
            ),
            Question(
                code="repeat_incidents",
                text=(
                    "Are repeat victims, repeat perpetrators and escalation (including after "
                    "separation) recognised and acted on?"
                ),
                kind=QuestionKind.CHOICE,
                choices=EXTENT,
                criteria=("ESN-31", "ESN-28"),
            ),
            Question(
                code="marac_referral",
                text="Are high-risk cases referred to MARAC promptly and appropriately?",
                kind=QuestionKind.CHOICE,
                choices=EXTENT,
                criteria=("ESN-29",),
            ),
            Question(
                code="marac_effectiveness",
                text=(
                    "How well does MARAC support the protection of children: timely sharing of "
                    "information, assessment of risks to the children and effective action plans "
                    "that are completed?"
                ),
                kind=QuestionKind.SUMMARY,
                required=True,
                criteria=("ESN-29",),
            ),
            Question(
                code="notifications_to_social_care",
                text=(
                    "Are notifications and child protection referrals to children's social care "
                    "timely and of good quality, and does the force take part in strategy "
                    "discussions?"
                ),
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-26", "ESN-31"),
            ),
            Question(
                code="strengths",
                text="Strengths found in the force's response to domestic abuse.",
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-29", "ESN-31"),
            ),
            Question(
                code="areas_for_improvement",
                text="Areas for improvement in the force's response to domestic abuse.",
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-29", "ESN-31"),
            ),
        ),
    ),
)
