"""CQC's evidence form for the 2016 deep dive: one health agency's response to adult victims.

The guidance gives CQC no form of its own (Annex B's tracking tool is shared and lives in Ofsted's
plugin). This one is CQC's own design: a record per health agency (a commissioner or a provider
such as maternity, health visiting, a GP practice or an emergency department) of how it identifies
and responds to the risks to, and needs of, adult victims (ESN 28) and whether the health pathways
and commissioned services children and adults need are there (ESN 34), with the joint criteria on
professionals' understanding (ESN 23), thresholds and information sharing (ESN 26) and MARAC
(ESN 29) where a health agency contributes to them.
"""

from core.contributions import Choice, EvidenceForm, EvidenceSubject, Question, QuestionKind
from core.scales import EXTENT

EVIDENCE_FORMS: tuple[EvidenceForm, ...] = (
    EvidenceForm(
        framework="da-2016",
        code="health-pathways",
        title="Health agency: adult victims' risks and needs, and health pathways",
        subject=EvidenceSubject.AGENCY,
        description=(
            "One record per health agency seen (commissioner or provider): how it identifies, "
            "assesses and responds to the risks to, and needs of, adult victims of domestic abuse, "
            "and the pathways from health settings into help for adults and children."
        ),
        source=(
            "CQC's own design, grounded in ESN 28 and ESN 34 (with ESN 23, 26 and 29) of Joint "
            "inspection guidance: children living with domestic abuse (Ofsted, August 2016, "
            "No. 160046)"
        ),
        questions=(
            Question(
                code="service_type",
                text="What kind of health service is this?",
                kind=QuestionKind.CHOICE,
                required=True,
                choices=(
                    Choice("COMMISSIONER", "Commissioner (CCG)"),
                    Choice("MATERNITY", "Maternity"),
                    Choice("HEALTH_VISITING", "Health visiting"),
                    Choice("SCHOOL_NURSING", "School nursing"),
                    Choice("PRIMARY_CARE", "GP or other primary care"),
                    Choice("URGENT_CARE", "Emergency department or urgent care"),
                    Choice("ADULT_MENTAL_HEALTH", "Adult mental health"),
                    Choice("CAMHS", "Child and adolescent mental health"),
                    Choice("SUBSTANCE_MISUSE", "Drug and alcohol services"),
                    Choice("SEXUAL_HEALTH", "Sexual health"),
                    Choice("OTHER", "Other"),
                ),
                criteria=("ESN-28", "ESN-34"),
            ),
            Question(
                code="routine_enquiry",
                text=(
                    "Do practitioners ask about domestic abuse (routine or selective enquiry) when "
                    "they see adults and children?"
                ),
                kind=QuestionKind.CHOICE,
                choices=EXTENT,
                criteria=("ESN-23", "ESN-28"),
                help="For example at booking and later antenatal contacts, and in urgent care.",
            ),
            Question(
                code="victim_risk_assessment",
                text=(
                    "How well are the risks to, and needs of, adult victims identified, assessed "
                    "and responded to, and how timely is the response?"
                ),
                kind=QuestionKind.SUMMARY,
                required=True,
                criteria=("ESN-28",),
                help="Include use of a recognised risk assessment tool and what followed from it.",
            ),
            Question(
                code="post_separation_risk",
                text=(
                    "Do practitioners recognise that the abuse does not necessarily end when "
                    "people stop living together and may escalate?"
                ),
                kind=QuestionKind.CHOICE,
                choices=EXTENT,
                criteria=("ESN-28",),
            ),
            Question(
                code="children_of_adult_patients",
                text=(
                    "When adult-facing services see a victim or perpetrator, do they identify the "
                    "children in the household (including unborn children) and consider the impact "
                    "on them?"
                ),
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-23", "ESN-28"),
            ),
            Question(
                code="information_sharing",
                text=(
                    "How well does the agency share information about domestic abuse with "
                    "children's social care, the police and other health services, and act on the "
                    "information it receives (such as police notifications)?"
                ),
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-26", "ESN-28"),
            ),
            Question(
                code="marac_contribution",
                text=(
                    "How does the agency contribute to MARAC: referrals of high-risk victims, "
                    "representation at meetings, sharing of information and completion of actions, "
                    "and flagging of MARAC cases in health records?"
                ),
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-26", "ESN-28", "ESN-29"),
            ),
            Question(
                code="pathways_to_help",
                text=(
                    "Are there clear pathways from this health setting to specialist domestic "
                    "abuse help for adult victims and children (for example an IDVA, a refuge or "
                    "therapeutic services), and are they used?"
                ),
                kind=QuestionKind.SUMMARY,
                required=True,
                criteria=("ESN-28", "ESN-34"),
            ),
            Question(
                code="service_sufficiency",
                text=(
                    "Is the range of commissioned local services that children, adult family "
                    "members and perpetrators can access sufficient?"
                ),
                kind=QuestionKind.CHOICE,
                choices=(
                    Choice("SUFFICIENT", "Sufficient"),
                    Choice("PARTLY_SUFFICIENT", "Partly sufficient"),
                    Choice("INSUFFICIENT", "Insufficient"),
                    Choice("NOT_KNOWN", "Not known from the evidence"),
                ),
                criteria=("ESN-34",),
            ),
            Question(
                code="service_gaps",
                text=(
                    "What gaps, waiting times or barriers to access did inspectors find, including "
                    "for therapeutic help for children's and adults' emotional well-being and "
                    "safety?"
                ),
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-34",),
            ),
            Question(
                code="staff_training",
                text=(
                    "Are practitioners trained, confident and knowledgeable about domestic abuse, "
                    "and supported by safeguarding supervision?"
                ),
                kind=QuestionKind.CHOICE,
                choices=EXTENT,
                criteria=("ESN-23", "ESN-28"),
            ),
            Question(
                code="strengths",
                text="Strengths found in this agency's response to adult victims and children.",
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-28", "ESN-34"),
            ),
            Question(
                code="areas_for_improvement",
                text=(
                    "Areas for improvement in this agency's response to adult victims and children."
                ),
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-28", "ESN-34"),
            ),
        ),
    ),
)
