"""An unexpected failure reaches the client as a generic message with a request id; the log
keeps where it happened but not what the exception said."""

from __future__ import annotations

import logging

import pytest

from core.graphql import reference
from tests.helpers.graphql import GraphQLClient


def test_an_unexpected_exception_is_masked_and_logged_without_its_message(
    gql: GraphQLClient,
    lead_token: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(item: object) -> object:
        # Built at run time: the stack shows source lines, and the value must come from data.
        value = "".join(["DEMO", "00001"]) + " lives at 1 " + "Synthetic Street"
        raise RuntimeError(f"child {value}")

    monkeypatch.setattr(reference.Framework, "of", staticmethod(broken))
    with caplog.at_level(logging.ERROR, logger="jtai.graphql"):
        response = gql("{ frameworks { code } }", token=lead_token)
    assert response.status == 200
    [error] = response.errors
    request_id = error["extensions"]["requestId"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["message"] == (
        f"Internal error; nothing was changed. Quote request id {request_id} to the service desk."
    )
    assert "DEMO00001" not in str(response.body) and "Traceback" not in str(response.body)
    assert request_id in caplog.text and "RuntimeError" in caplog.text
    assert "test_errors.py" in caplog.text  # the stack locates the bug
    assert "DEMO00001" not in caplog.text and "Synthetic Street" not in caplog.text
