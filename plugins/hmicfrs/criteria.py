"""The criteria HMICFRS leads: ESN 29 (MARAC) and ESN 31 (police investigation of domestic abuse).

The police usually chair MARACs and make most referrals to them, and the police investigation of
domestic abuse is work only HMICFRS inspects (DOMAIN.md 5.4). The text is paragraph 8 of the 2016
guidance, verbatim with its whitespace normalised. MARAC is a multi-agency meeting, so the other
three inspectorates evaluate ESN 29 too; ESN 31 is about one agency, the police force, which only
HMICFRS inspects, so no other inspectorate evaluates it (as Cafcass's ESN 32 is Ofsted's alone).
"""

from core.contributions import Criterion

SOURCE = (
    "Joint targeted area inspections on the theme: children living with domestic abuse, "
    "Ofsted guidance No. 160046, August 2016, paragraph 8"
)

CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        framework="da-2016",
        code="ESN-29",
        title="MARAC",
        text=(
            "multi-agency risk assessment conferences support the protection of children through "
            "timely sharing of information, assessment of risks to children and through developing "
            "effective action plans"
        ),
        source=SOURCE,
        evaluated_by=("ofsted", "cqc", "hmip"),
    ),
    Criterion(
        framework="da-2016",
        code="ESN-31",
        title="Police investigation of domestic abuse",
        text=(
            "the police force investigates cases of domestic abuse in families with children "
            "effectively"
        ),
        source=SOURCE,
    ),
)
