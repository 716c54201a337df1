"""DfE children in need census code sets that the area's lists are written in (DOMAIN.md 4.2).

Local authorities export these lists from their case management systems, which write the census
codes or their labels in several ways; ``aliases`` hold the common ones so that core can read
'Emotional abuse', 'Male' or '1' as the code they mean. Within one set no alias, label or code
reads as two different codes. ``meeting-type`` is not a census set: it is the kinds of meeting the
2016 guidance asks about (seed 003, paragraph 14).
"""

from core.contributions import Code, CodeSet

SOURCE = "DfE children in need census"

REFERRAL_SOURCE = CodeSet(
    code="referral-source",
    title="Source of referral (or contact)",
    source=SOURCE,
    codes=(
        Code("1A", "Individual", ()),
        Code(
            "1B",
            "Individual: family member/relative/carer",
            ("Family member", "Relative", "Carer", "Family member/relative/carer"),
        ),
        Code("1C", "Individual: acquaintance", ("Acquaintance", "Neighbour")),
        Code("1D", "Individual: self", ("Self", "Self-referral")),
        Code("2A", "Schools", ("School",)),
        Code("2B", "Education services", ("Education",)),
        Code("3A", "Health services: GP", ("GP", "General practitioner")),
        Code("3B", "Health services: health visitor", ("Health visitor",)),
        Code("3C", "Health services: school nurse", ("School nurse",)),
        Code(
            "3D",
            "Health services: other primary health services",
            ("Other primary health services",),
        ),
        Code(
            "3E",
            "Health services: A&E",
            ("A&E", "Accident and emergency", "Emergency department"),
        ),
        Code("3F", "Health services: other", ("Other health services", "Health: other")),
        Code("4", "Housing", ("Housing association", "LA housing")),
        Code("5A", "LA services: social care", ("Social care", "Adult social care")),
        Code("5B", "LA services: other internal", ("Other internal",)),
        Code("5C", "LA services: external", ("External", "Another local authority")),
        Code("5D", "LA services: early help", ("Early help",)),
        Code("6", "Police", ()),
        Code("7", "Other legal agency", ("Courts", "Probation", "Cafcass", "Prison")),
        Code("8", "Other", ("Voluntary organisation", "Children's centre")),
        Code("9", "Anonymous", ()),
        Code("10", "Unknown", ("Not known",)),
    ),
)

PRIMARY_NEED = CodeSet(
    code="primary-need",
    title="Primary need code",
    source=SOURCE,
    codes=(
        Code("N0", "Not stated", ()),
        Code("N1", "Abuse or neglect", ("Abuse", "Neglect", "Abuse/neglect")),
        Code("N2", "Child's disability or illness", ("Child's disability", "Disability")),
        Code("N3", "Parental illness or disability", ("Parental disability or illness",)),
        Code("N4", "Family in acute stress", ("Acute stress",)),
        Code("N5", "Family dysfunction", ()),
        Code("N6", "Socially unacceptable behaviour", ()),
        Code("N7", "Low income", ()),
        Code("N8", "Absent parenting", ()),
        Code("N9", "Cases other than children in need", ("Not in need",)),
    ),
)

CATEGORY_OF_ABUSE = CodeSet(
    code="category-of-abuse",
    title="Category of abuse (child protection plan)",
    source=SOURCE,
    codes=(
        Code("NEG", "Neglect", ("Neglect",)),
        Code("PHY", "Physical abuse", ("Physical abuse", "Physical")),
        Code("SAB", "Sexual abuse", ("Sexual abuse", "Sexual")),
        Code("EMO", "Emotional abuse", ("Emotional abuse", "Emotional")),
        Code(
            "MUL",
            "Multiple/not recommended for new cases",
            ("Multiple", "Mixed", "Multiple categories"),
        ),
    ),
)

REASON_FOR_CLOSURE = CodeSet(
    code="reason-for-closure",
    title="Reason for closure (child in need episode)",
    source=SOURCE,
    codes=(
        Code("RC1", "Adopted", ()),
        Code("RC2", "Died", ()),
        Code("RC3", "Child arrangements order", ("CAO", "Residence order")),
        Code("RC4", "Special guardianship order", ("SGO", "Special guardianship")),
        Code(
            "RC5",
            "Transferred to services of another local authority",
            ("Transferred to another local authority", "Transferred to another LA"),
        ),
        Code("RC6", "Transferred to adult social care", ("Transferred to adult services",)),
        Code(
            "RC7",
            "Services ceased for any other reason including child no longer in need",
            ("Child no longer in need", "Services ceased"),
        ),
        Code(
            "RC8",
            "Case closed after assessment no further action",
            ("No further action", "NFA", "Closed after assessment: no further action"),
        ),
        Code(
            "RC9",
            "Case closed after assessment referred to early help",
            ("Referred to early help", "Closed after assessment: referred to early help"),
        ),
    ),
)

# The census writes gender as numbers (1 male, 2 female, 0 not known, 9 not stated/indeterminate);
# case management systems and Ofsted's Annex A template mostly write words or letters. M, F and U
# read the same in every export; 0 and 9 both become U because no list uses the difference.
GENDER = CodeSet(
    code="gender",
    title="Gender",
    source=SOURCE,
    codes=(
        Code("M", "Male", ("1", "Male", "a) Male", "Boy")),
        Code("F", "Female", ("2", "Female", "b) Female", "Girl")),
        Code(
            "U",
            "Not known, not stated or indeterminate",
            (
                "0",
                "9",
                "Not known",
                "Unknown",
                "Not stated",
                "Not stated/recorded",
                "c) Not stated/recorded",
                "Indeterminate",
                "Neither",
                "d) Neither",
                "Unborn",
            ),
        ),
    ),
)

ETHNICITY = CodeSet(
    code="ethnicity",
    title="Ethnicity (DfE main codes)",
    source=SOURCE,
    codes=(
        Code("WBRI", "White British", ("White - British", "White: British")),
        Code("WIRI", "White Irish", ("White - Irish", "White: Irish")),
        Code("WIRT", "Traveller of Irish heritage", ("Irish Traveller",)),
        Code("WOTH", "Any other White background", ("White - other", "White other")),
        Code("WROM", "Gypsy/Roma", ("Gypsy", "Roma", "Gypsy Roma")),
        Code("MWBC", "White and Black Caribbean", ("Mixed - White and Black Caribbean",)),
        Code("MWBA", "White and Black African", ("Mixed - White and Black African",)),
        Code("MWAS", "White and Asian", ("Mixed - White and Asian",)),
        Code("MOTH", "Any other mixed background", ("Mixed - other", "Mixed other")),
        Code("AIND", "Indian", ("Asian - Indian", "Asian or Asian British - Indian")),
        Code("APKN", "Pakistani", ("Asian - Pakistani", "Asian or Asian British - Pakistani")),
        Code(
            "ABAN",
            "Bangladeshi",
            ("Asian - Bangladeshi", "Asian or Asian British - Bangladeshi"),
        ),
        Code("AOTH", "Any other Asian background", ("Asian - other", "Asian other")),
        Code("BCRB", "Black Caribbean", ("Caribbean", "Black - Caribbean")),
        Code("BAFR", "Black African", ("African", "Black - African")),
        Code("BOTH", "Any other Black background", ("Black - other", "Black other")),
        Code("CHNE", "Chinese", ()),
        Code("OOTH", "Any other ethnic group", ("Other ethnic group", "Other")),
        Code("REFU", "Refused", ("Declined", "Information refused")),
        Code("NOBT", "Information not yet obtained", ("Not obtained", "Not known", "Unknown")),
    ),
)

# Not a census set: the kinds of multi-agency meeting paragraph 14 of seed 003 asks about.
MEETING_TYPE = CodeSet(
    code="meeting-type",
    title="Type of multi-agency meeting",
    source="Ofsted guidance No. 160046 (August 2016), Annex A paragraph 14",
    codes=(
        Code("ICPC", "Initial child protection conference", ("Initial CPC", "Initial conference")),
        Code("RCPC", "Review child protection conference", ("Review CPC", "Review conference")),
        Code("CLA", "Children looked after review", ("CLA review", "LAC review")),
        Code("STRATEGY", "Strategy discussion", ("Strategy meeting", "Strategy")),
        Code("MARAC", "Multi-agency risk assessment conference", ()),
        Code("OTHER", "Any other planning or review meeting", ("Other",)),
    ),
)

CODE_SETS: tuple[CodeSet, ...] = (
    REFERRAL_SOURCE,
    PRIMARY_NEED,
    CATEGORY_OF_ABUSE,
    REASON_FOR_CLOSURE,
    GENDER,
    ETHNICITY,
    MEETING_TYPE,
)
