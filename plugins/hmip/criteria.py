"""The criterion HMI Probation leads: ESN 27, the risks perpetrators and adult offenders pose.

Probation services assess and manage the risk of harm that the adults they supervise pose to
others, including the children they live with or have contact with, so HMI Probation leads this one
(DOMAIN.md 5.4). The police hold much of what is known about perpetrators, so HMICFRS evaluates it
with Ofsted and CQC. The text is paragraph 8 of the 2016 guidance, verbatim with its whitespace
normalised.
"""

from core.contributions import Criterion

SOURCE = (
    "Joint targeted area inspections on the theme: children living with domestic abuse, "
    "Ofsted guidance No. 160046, August 2016, paragraph 8"
)

CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        framework="da-2016",
        code="ESN-27",
        title="Risks posed by perpetrators and adult offenders",
        text=(
            "risk of harm to children is reduced through the identification and assessment of the "
            "risks that perpetrators and adult offenders pose. This leads to appropriate and "
            "targeted interventions by all professionals"
        ),
        source=SOURCE,
        evaluated_by=("ofsted", "cqc", "hmicfrs"),
    ),
)
