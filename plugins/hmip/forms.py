"""HMI Probation's evidence form for the 2016 deep dive: managing the risk perpetrators pose.

The guidance gives HMI Probation no form of its own (Annex B's tracking tool is shared and lives in
Ofsted's plugin). This one is HMI Probation's own design: one record per probation provider (the
National Probation Service or a community rehabilitation company) or youth offending team, on how
it identifies, assesses and manages the risk of harm that perpetrators and adult offenders pose to
children (ESN 27), with the adult victim (ESN 28), information sharing and MARAC (ESN 26, ESN 29)
and evidence-based interventions (ESN 30) where probation work contributes to them.
"""

from core.contributions import Choice, EvidenceForm, EvidenceSubject, Question, QuestionKind
from core.scales import EXTENT

EVIDENCE_FORMS: tuple[EvidenceForm, ...] = (
    EvidenceForm(
        framework="da-2016",
        code="perpetrator-risk",
        title="Probation and youth offending: risk posed by perpetrators and adult offenders",
        subject=EvidenceSubject.AGENCY,
        description=(
            "One record per probation provider or youth offending team: risk of harm assessment, "
            "child safeguarding enquiries, links with MARAC and MAPPA, interventions with "
            "perpetrators and information sharing to protect children."
        ),
        source=(
            "HMI Probation's own design, grounded in ESN 27 (with ESN 26, 28, 29 and 30) of Joint "
            "inspection guidance: children living with domestic abuse (Ofsted, August 2016, "
            "No. 160046)"
        ),
        questions=(
            Question(
                code="provider",
                text="Which service is this?",
                kind=QuestionKind.CHOICE,
                required=True,
                choices=(
                    Choice("NATIONAL_PROBATION_SERVICE", "National Probation Service"),
                    Choice("COMMUNITY_REHABILITATION_COMPANY", "Community rehabilitation company"),
                    Choice("YOUTH_OFFENDING_TEAM", "Youth offending team"),
                ),
                criteria=("ESN-27",),
            ),
            Question(
                code="safeguarding_enquiries",
                text=(
                    "Are domestic abuse and child safeguarding enquiries made with the police and "
                    "children's social care at court and at the start of the sentence, and are the "
                    "results used?"
                ),
                kind=QuestionKind.CHOICE,
                choices=EXTENT,
                criteria=("ESN-27", "ESN-26"),
            ),
            Question(
                code="children_identified",
                text=(
                    "Are the children the offender lives with or has contact with identified and "
                    "recorded?"
                ),
                kind=QuestionKind.CHOICE,
                choices=EXTENT,
                criteria=("ESN-27",),
            ),
            Question(
                code="risk_of_harm_assessment",
                text=(
                    "How well does the risk of harm assessment identify and analyse the risks the "
                    "perpetrator or adult offender poses to children and to adult victims, and is "
                    "it reviewed when circumstances change?"
                ),
                kind=QuestionKind.SUMMARY,
                required=True,
                criteria=("ESN-27", "ESN-28"),
            ),
            Question(
                code="pre_sentence_report",
                text=(
                    "Does the pre-sentence report address domestic abuse and the risks to "
                    "children, and inform a proposal that manages them?"
                ),
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-27",),
            ),
            Question(
                code="risk_management_plan",
                text=(
                    "Does the risk management or sentence plan set out appropriate and targeted "
                    "actions to protect children, and are they carried out?"
                ),
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-27",),
            ),
            Question(
                code="interventions",
                text="Which interventions with the perpetrator were delivered?",
                kind=QuestionKind.MULTI_CHOICE,
                choices=(
                    Choice("ACCREDITED_PROGRAMME", "Accredited domestic abuse programme"),
                    Choice("STRUCTURED_ONE_TO_ONE", "Structured one-to-one work"),
                    Choice("RESTRICTIVE_CONDITIONS", "Licence conditions or order requirements"),
                    Choice("REFERRAL_TO_OTHER_SERVICE", "Referral to another service"),
                    Choice("NONE", "None"),
                ),
                criteria=("ESN-27", "ESN-30"),
            ),
            Question(
                code="intervention_impact",
                text=(
                    "Are the interventions appropriate and targeted, and is there evidence that "
                    "they reduce the risk of harm to children?"
                ),
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-27", "ESN-30"),
            ),
            Question(
                code="victim_safety",
                text=(
                    "Are the safety of adult victims and the possibility that the abuse continues "
                    "or escalates after separation taken into account?"
                ),
                kind=QuestionKind.CHOICE,
                choices=EXTENT,
                criteria=("ESN-27", "ESN-28"),
            ),
            Question(
                code="marac_mappa",
                text=(
                    "How well does the service work with MARAC and MAPPA: referrals, attendance, "
                    "sharing of information and completion of agreed actions?"
                ),
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-27", "ESN-29"),
            ),
            Question(
                code="information_sharing",
                text=(
                    "How well does the service share information with children's social care and "
                    "the police, and contribute to child protection conferences, core groups and "
                    "child in need meetings?"
                ),
                kind=QuestionKind.SUMMARY,
                required=True,
                criteria=("ESN-26", "ESN-27"),
            ),
            Question(
                code="young_person_context",
                text=(
                    "Youth offending team only: does work with the young person take account of "
                    "the domestic abuse they live with, and of any risk they pose to others in the "
                    "family?"
                ),
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-23", "ESN-27"),
            ),
            Question(
                code="strengths",
                text="Strengths found in the service's work with perpetrators and adult offenders.",
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-27",),
            ),
            Question(
                code="areas_for_improvement",
                text=(
                    "Areas for improvement in the service's work with perpetrators and adult "
                    "offenders."
                ),
                kind=QuestionKind.SUMMARY,
                criteria=("ESN-27",),
            ),
        ),
    ),
)
