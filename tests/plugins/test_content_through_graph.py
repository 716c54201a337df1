"""Issue 3's checks, made the way a front end makes them: through the graph over HTTP."""

from __future__ import annotations

import re

import pytest

from core.viewer import Role
from tests.helpers.environment import REPO_ROOT
from tests.helpers.graphql import GraphQLClient, TokenFactory

SEED = (REPO_ROOT / "tests/fixtures/seeds/003_5840578df23fe90a.txt").read_text(encoding="utf-8")
# One line, with footnote markers ("professionals3 and") taken off the words they follow.
FLAT_SEED = re.sub(
    r"(?<=[a-z])\d{1,2}(?=[\s,.])", "", " ".join(re.sub(r"-\s*\n\s*", "-", SEED).split())
)


@pytest.fixture
def token(make_token: TokenFactory) -> str:
    # Reference data is for every signed-in role; an integrator is the least privileged.
    return make_token(Role.INTEGRATOR)


def test_da_2016_has_exactly_esn_23_to_37_with_the_guidance_text(
    gql: GraphQLClient, token: str
) -> None:
    criteria = gql(
        '{ framework(code: "da-2016") { criteria(includeReferences: false) '
        "{ code text lead { code } } } }",
        token=token,
    ).ok()["framework"]["criteria"]
    assert [c["code"] for c in criteria] == [f"ESN-{n}" for n in range(23, 38)]
    for criterion in criteria:
        # Footnotes defining a term are folded in after the guidance's own sentence(s).
        own_words = criterion["text"].split(" (")[0].split(" ('")[0]
        assert own_words[:80] in FLAT_SEED, criterion["code"]
    leads = {c["code"]: c["lead"]["code"] for c in criteria}
    assert leads["ESN-27"] == "hmip"
    assert leads["ESN-28"] == leads["ESN-34"] == "cqc"
    assert leads["ESN-29"] == leads["ESN-31"] == "hmicfrs"
    assert leads["ESN-32"] == "ofsted"


def test_esn_01_to_22_are_references_without_invented_text(gql: GraphQLClient, token: str) -> None:
    criteria = gql(
        '{ framework(code: "da-2016") { criteria { code text referenceOnly source } } }',
        token=token,
    ).ok()["framework"]["criteria"]
    references = [c for c in criteria if c["referenceOnly"]]
    assert [c["code"] for c in references] == [f"ESN-{n:02d}" for n in range(1, 23)]
    assert all(c["text"] is None and "framework" in c["source"] for c in references)


def test_the_37_other_information_requests_carry_the_guidance_references(
    gql: GraphQLClient, token: str
) -> None:
    requests = gql(
        '{ framework(code: "da-2016") { documentRequests { reference title addressedTo '
        "owner { code } } } }",
        token=token,
    ).ok()["framework"]["documentRequests"]
    numbered = [r for r in requests if re.fullmatch(r"\d\.\d", r["reference"])]
    expected = [f"{section}.{n}" for section, count in
                ((1, 9), (2, 4), (3, 9), (4, 5), (5, 4), (6, 5), (7, 1))
                for n in range(1, count + 1)]  # fmt: skip
    assert [r["reference"] for r in numbered] == expected
    owners = {r["reference"].split(".")[0]: r["owner"]["code"] for r in numbered}
    assert owners == {"1": "ofsted", "2": "ofsted", "3": "hmicfrs", "4": "hmip", "5": "hmip",
                      "6": "cqc", "7": "ofsted"}  # fmt: skip
    for request in numbered:
        assert f"{request['reference']} – " in SEED or f"{request['reference']} -" in SEED


def test_case_tracking_has_annex_b_questions_with_their_esn_tags(
    gql: GraphQLClient, token: str
) -> None:
    forms = gql(
        '{ framework(code: "da-2016") { evidenceForms(inspectorate: "ofsted") { code '
        "questions { text kind criteria { code } } } } }",
        token=token,
    ).ok()["framework"]["evidenceForms"]
    case_tracking = next(f for f in forms if f["code"] == "case-tracking")
    evaluative = [q for q in case_tracking["questions"] if q["kind"] == "SUMMARY" and q["criteria"]]
    tags = [[c["code"].removeprefix("ESN-") for c in q["criteria"]] for q in evaluative]
    assert tags == [
        ["01", "03", "04", "23"],
        ["08", "09", "24"],
        ["06", "09", "24", "25", "27", "28"],
        ["05", "24", "25", "27", "28"],
        ["06", "28", "30"],
        ["10"],
        ["09", "23", "24", "25", "27", "28"],
        ["07", "26", "29"],
    ]
    for question in evaluative:
        assert question["text"].split("?")[0] in FLAT_SEED


def test_each_framework_is_split_across_the_plugins_that_own_it(
    gql: GraphQLClient, token: str
) -> None:
    frameworks = gql(
        "{ frameworks { code lead { code } inspectorates { code } "
        "criteria { lead { code } } documentRequests { owner { code } } "
        "evidenceForms { inspectorate { code } } } }",
        token=token,
    ).ok()["frameworks"]
    by_code = {f["code"]: f for f in frameworks}
    assert {f["lead"]["code"] for f in frameworks} == {"ofsted"}
    assert [i["code"] for i in by_code["front-door-2024"]["inspectorates"]] == [
        "cqc", "hmicfrs", "ofsted"
    ]  # fmt: skip
    da_2016 = by_code["da-2016"]
    assert {c["lead"]["code"] for c in da_2016["criteria"]} == {"ofsted", "cqc", "hmicfrs", "hmip"}
    assert {r["owner"]["code"] for r in da_2016["documentRequests"]} == {
        "ofsted", "cqc", "hmicfrs", "hmip"
    }  # fmt: skip
    assert {f["inspectorate"]["code"] for f in da_2016["evidenceForms"]} == {
        "ofsted", "cqc", "hmicfrs", "hmip"
    }  # fmt: skip
    assert len(by_code["da-2024"]["criteria"]) == 7


def test_a_list_request_carries_its_field_specification(gql: GraphQLClient, token: str) -> None:
    requests = gql(
        '{ framework(code: "da-2016") { documentRequests(addressedTo: LOCAL_AUTHORITY) { '
        "reference deadline { workingDay timeOfDay clockTime } listSpec { code fields { name "
        "type required rule codeSet { code codes { code label } } } } } } }",
        token=token,
    ).ok()["framework"]["documentRequests"]
    cp = next(r for r in requests if r["reference"] == "list.child-protection-plans")
    assert cp["deadline"] == {"workingDay": 0, "timeOfDay": "END_OF_DAY", "clockTime": "17:00:00"}
    fields = {f["name"]: f for f in cp["listSpec"]["fields"]}
    assert fields["expected_date_of_birth"]["rule"] == "ONLY_WHEN_UNBORN"
    assert fields["date_of_birth"]["rule"] == "REQUIRED_UNLESS_UNBORN"
    abuse = fields["initial_category_of_abuse"]["codeSet"]
    assert {"code": "EMO", "label": "Emotional abuse"} in abuse["codes"]
    assert fields["domestic_abuse"]["type"] == "YES_NO"
