"""The criteria CQC leads: ESN 28 (adult victims) and ESN 34 (commissioned local services).

Both are about what health commissioners and providers are best placed to evaluate: identifying
and responding to the risks to, and needs of, adult victims, and whether commissioned services are
sufficient (DOMAIN.md 5.4). The text is paragraph 8 of the 2016 guidance, verbatim with its
whitespace normalised; the other three inspectorates evaluate both criteria too.
"""

from core.contributions import Criterion

SOURCE = (
    "Joint targeted area inspections on the theme: children living with domestic abuse, "
    "Ofsted guidance No. 160046, August 2016, paragraph 8"
)

_EVALUATED_BY = ("ofsted", "hmicfrs", "hmip")

CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        framework="da-2016",
        code="ESN-28",
        title="Adult victims' risks and needs",
        text=(
            "children’s welfare is promoted and protected through effective and timely "
            "identification, assessment and response to the risks to, and needs of, adult victims "
            "of domestic abuse. Professionals recognise that the abuse does not necessarily end "
            "when people stop living together and may in fact escalate"
        ),
        source=SOURCE,
        evaluated_by=_EVALUATED_BY,
    ),
    Criterion(
        framework="da-2016",
        code="ESN-34",
        title="Sufficient commissioned local services",
        text=(
            "the impact of domestic abuse on children is reduced because they, their families and "
            "the perpetrators can access a sufficient range of commissioned local services. For "
            "example, community and voluntary services, including therapeutic help that improves "
            "children’s and adult family members’ emotional well-being and safety"
        ),
        source=SOURCE,
        evaluated_by=_EVALUATED_BY,
    ),
)
