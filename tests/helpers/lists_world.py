"""Sending an Annex A list over real GraphQL multipart HTTP, with the variables a test chooses:
for tests/core/test_list_problems.py and tests/core/test_list_lifecycle.py."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.helpers.graphql import GraphQLClient
from tests.helpers.ids import gid

UPLOAD = """
mutation UploadList($request: ID!, $file: Upload!, $first: Int, $after: String) {
  uploadList(requestId: $request, file: $file) {
    accepted childrenAdded childrenUpdated childrenRemoved childrenDelisted
    problemSummary {
      total errorCount queryCount groupCount
      groups { severity code column field count firstRows message }
    }
    problems(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { row column value severity code message }
    }
    errors { field code message }
  }
}
"""


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def post_list(
    gql: GraphQLClient,
    token: str,
    request: int,
    content: bytes,
    filename: str = "cin.csv",
    **variables: Any,
) -> httpx.Response:
    operations = {
        "query": UPLOAD,
        "variables": {"request": gid("IssuedRequest", request), "file": None, **variables},
    }
    return gql.request(
        "POST",
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, content, XLSX if filename.endswith(".xlsx") else "text/csv")},
        headers={"Authorization": f"Bearer {token}", "GraphQL-Require-Preflight": "1"},
    )


def uploaded(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]["uploadList"]
    return result
