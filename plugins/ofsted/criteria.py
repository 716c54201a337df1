"""The evaluation criteria Ofsted leads, for each framework it declares.

da-2016: ESN 01-22 live in the main JTAI framework, whose text is not in the seeds, so they are
references only (code and source, never invented text). ESN 23, 24, 25, 26, 30, 32, 33, 35, 36
and 37 are Ofsted's: their text is paragraph 8 of Ofsted guidance No. 160046 (seed 003), verbatim
with whitespace normalised and footnote markers dropped; a footnote that defines a term of the
criterion is folded in after it, in brackets. ESN 27, 28, 29, 31 and 34 are led by the other
inspectorates and come from their plugins.

da-2024: the seven criteria of seed 002, verbatim, each under one of the framework's four areas.
front-door-2024: what the front-door JTAI evaluates, as DOMAIN.md section 5.3 words it (no seed).
"""

from core.contributions import Criterion
from plugins.ofsted.frameworks import (
    DA_2016,
    DA_2024,
    FRONT_DOOR_2024,
    SOURCE_DA_2016,
    SOURCE_DA_2024,
    SOURCE_FRONT_DOOR_2024,
)

ALL_OTHERS: tuple[str, ...] = ("cqc", "hmicfrs", "hmip")
FRONT_DOOR_OTHERS: tuple[str, ...] = ("cqc", "hmicfrs")

MAIN_FRAMEWORK_SOURCE = "Joint targeted area inspections: framework and guidance, Ofsted 2016"
DA_2016_CRITERIA_SOURCE = f"{SOURCE_DA_2016}, paragraph 8"

# Footnotes of seed 003 that define a term used in a criterion, verbatim, by criterion code:
# (footnote number, the term it defines or None when it qualifies the whole criterion, its text).
# Footnote 4 explains ESNs and footnote 6 (on ESN 32) is procedure, so neither is folded in.
FOLDED_FOOTNOTES: dict[str, tuple[int, str | None, str]] = {
    "ESN-23": (
        3,
        "Professionals",
        "This means social workers, family/social work support workers, Cafcass practitioners, "
        "police officers and support staff, health professionals and support staff, personnel in "
        "the National Probation Service and community rehabilitation company, youth offending "
        "team staff, teachers and school staff.",
    ),
    "ESN-25": (5, None, "This includes the troubled families programme."),
    "ESN-35": (
        7,
        "Leaders and managers",
        "This includes leaders and managers from the police, health, probation and the local "
        "authority.",
    ),
}


def fold_footnote(text: str, code: str) -> str:
    """Append the footnote that defines a term of criterion ``code``, if it has one.

    'This means ...' on the term 'Professionals' becomes "('Professionals' means ...)"; a footnote
    that qualifies the whole criterion is appended as the guidance words it, in brackets.
    """
    if code not in FOLDED_FOOTNOTES:
        return text
    _, term, note = FOLDED_FOOTNOTES[code]
    if term is not None:
        note = f"'{term}'" + note.removeprefix("This")
    return f"{text} ({note})"


def _reference(number: int) -> Criterion:
    return Criterion(
        framework=DA_2016,
        code=f"ESN-{number:02d}",
        title=f"ESN {number:02d} (main JTAI framework)",
        text=None,
        source=MAIN_FRAMEWORK_SOURCE,
        evaluated_by=ALL_OTHERS,
        reference_only=True,
    )


def _esn(number: int, title: str, text: str, evaluated_by: tuple[str, ...]) -> Criterion:
    code = f"ESN-{number:02d}"
    return Criterion(
        framework=DA_2016,
        code=code,
        title=title,
        text=fold_footnote(text, code),
        source=DA_2016_CRITERIA_SOURCE,
        evaluated_by=evaluated_by,
    )


REFERENCE_CRITERIA: tuple[Criterion, ...] = tuple(_reference(n) for n in range(1, 23))

DA_2016_CRITERIA: tuple[Criterion, ...] = (
    _esn(
        23,
        "Domestic abuse seen through the eyes of the child",
        "professionals and support staff see incidents of domestic abuse through the eyes of the "
        "child. They are well trained, confident and knowledgeable and they understand the impact "
        "of domestic abuse. This enables them to identify how to help and protect children and to "
        "take action to do so",
        ALL_OTHERS,
    ),
    _esn(
        24,
        "Child-centred approach; risks and needs assessed",
        "children who live with domestic abuse experience a child-centred approach from all "
        "professionals and the risks to them and their needs are assessed effectively and "
        "responded to appropriately",
        ALL_OTHERS,
    ),
    _esn(
        25,
        "Risks prevented and reduced by early help",
        "risks to children living with domestic abuse are prevented and reduced. The needs of the "
        "child, their non-abusive parent and the perpetrator are met at an early stage through "
        "timely access to effective help",
        ALL_OTHERS,
    ),
    _esn(
        26,
        "Thresholds, information sharing and timely intervention",
        "children living with domestic abuse receive the right help and protection because "
        "application of appropriate thresholds, effective information sharing and timely "
        "intervention take place. (This includes thresholds for early help, children in need, "
        "child protection processes, children becoming looked after and MARAC)",
        ALL_OTHERS,
    ),
    _esn(
        30,
        "Evidence-based approaches, tools and services",
        "children and their families living with domestic abuse benefit from evidence-based "
        "approaches, tools and services that reduce risks and meet their needs",
        ALL_OTHERS,
    ),
    _esn(
        32,
        "Cafcass and advice to the family court",
        "Cafcass identifies, responds to and works with children living with domestic abuse "
        "effectively and provides effective advice to the family court.",
        (),
    ),
    _esn(
        33,
        "Children and families feel heard",
        "children and their families feel that their views have been heard. This leads to "
        "improvements in the help and support that they receive",
        ALL_OTHERS,
    ),
    _esn(
        35,
        "Leaders understand experience and prevalence",
        "leaders and managers understand the experiences of children living with domestic abuse "
        "and the prevalence of this issue in their area. This leads to effective action to meet "
        "children’s needs and improve the help and support provided to children and their "
        "families",
        ALL_OTHERS,
    ),
    _esn(
        36,
        "Leaders support, train and challenge practitioners",
        "leaders and managers recognise the challenges in working with domestic abuse and provide "
        "appropriate support, training and challenge to practitioners so that effective practice "
        "can flourish",
        ALL_OTHERS,
    ),
    _esn(
        37,
        "The LSCB monitors, coordinates and evaluates",
        "the LSCB actively monitors, promotes, coordinates and evaluates the work of the statutory "
        "partners that help and protect children at risk of domestic abuse, including working "
        "effectively with other multi-agency groups that have responsibility for responding to "
        "domestic abuse",
        ALL_OTHERS,
    ),
)


def _da24(number: int, area: str, title: str, text: str) -> Criterion:
    return Criterion(
        framework=DA_2024,
        code=f"DA24-{number}",
        title=title,
        text=text,
        source=SOURCE_DA_2024,
        evaluated_by=ALL_OTHERS,
        area=area,
    )


DA_2024_CRITERIA: tuple[Criterion, ...] = (
    _da24(
        1,
        "identification",
        "Children seen as victims in their own right",
        "Practitioners and support staff see the impact of domestic abuse through the eyes of the "
        "child. They respond to children as victims of domestic abuse in their own right.",
    ),
    _da24(
        2,
        "identification",
        "Well-trained, professionally curious practitioners",
        "Practitioners are well-trained, confident and knowledgeable. They show professional "
        "curiosity; e.g. health practitioners make routine enquiries into domestic abuse.",
    ),
    _da24(
        3,
        "assessment",
        "Understanding of needs, risks and family strengths",
        "Practice is based on a good understanding of children's needs, the risks to them and "
        "strengths within their immediate and wider family networks.",
    ),
    _da24(
        4,
        "prevention",
        "Multi-agency working prevents children becoming victims",
        "Effective multi-agency working prevents children from becoming victims of domestic "
        "abuse. The needs of children, adult victims and perpetrators are met at an early stage.",
    ),
    _da24(
        5,
        "protection",
        "Information sharing, recording and timely intervention",
        "Children who are victims of domestic abuse receive the right help and protection due to "
        "effective information sharing, effective recording and timely intervention.",
    ),
    _da24(
        6,
        "assessment",
        "Children and families listened to",
        "Children and their families are listened to. Multi-agency practice focuses on children's "
        "needs and experiences and is influenced by their wishes and feelings.",
    ),
    _da24(
        7,
        "prevention",
        "Leaders understand experience and prevalence",
        "Leaders and managers understand the experiences of children who are victims of domestic "
        "abuse and the prevalence of this issue in their area. This leads to effective "
        "multi-agency strategies, planning and action to meet children's needs.",
    ),
)


def _fd24(number: int, title: str, text: str) -> Criterion:
    return Criterion(
        framework=FRONT_DOOR_2024,
        code=f"FD24-{number}",
        title=title,
        text=text,
        source=SOURCE_FRONT_DOOR_2024,
        evaluated_by=FRONT_DOOR_OTHERS,
    )


FRONT_DOOR_2024_CRITERIA: tuple[Criterion, ...] = (
    _fd24(1, "Each agency's front door", "each agency's front door"),
    _fd24(2, "The MASH or equivalent", "the MASH (or equivalent)"),
    _fd24(
        3,
        "Each agency's contribution to early decision-making",
        "each agency's contribution incl. early decision-making across early help, CIN and CP",
    ),
    _fd24(4, "Oversight by the partnership (MASA)", "the partnership's (MASA) oversight"),
    _fd24(5, "Leaders' impact on front-door practice", "leaders' impact on front-door practice"),
    _fd24(
        6,
        "Timeliness and impact of actions to improve",
        "timeliness and impact of actions to improve",
    ),
)

CRITERIA: tuple[Criterion, ...] = (
    REFERENCE_CRITERIA + DA_2016_CRITERIA + DA_2024_CRITERIA + FRONT_DOOR_2024_CRITERIA
)
