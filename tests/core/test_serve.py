"""`jtai serve --demo` as the README runs it: a real server process on a local port."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import jtai_serve


@pytest.mark.long
def test_serve_demo_prints_a_signed_in_link_and_answers_over_http(tmp_path: Path) -> None:
    env = {"JTAI_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    log = tmp_path / "serve.log"
    with jtai_serve(env, args=("--demo",), log=log) as base:
        page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "GraphiQL" in page.text
        assert "https://" not in page.text
    output = log.read_text()
    link = re.search(rf"{re.escape(base)}/graphql#token=(jtai_\S+)", output)
    assert link, output
    token = link.group(1)
    # The token is good on a fresh server over the same database.
    with jtai_serve(env) as again:
        response = httpx.post(
            f"{again}/graphql",
            json={"query": "{ inspections { edges { node { reference } } } }"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
    assert response.json() == {
        "data": {"inspections": {"edges": [{"node": {"reference": "JTAI-DEMO-001"}}]}}
    }
