"""GraphiQL in a real headless browser (tests/helpers/browser.py) never keeps the bearer token in
the browser's storage."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS, require_browser
from tests.helpers.server import jtai_serve

QUERY = "{ inspections { edges { node { reference } } } }"
STALE_TOKEN = "jtai_stale_token_left_by_an_earlier_page"

# Every key and value of localStorage and sessionStorage, as the page sees them.
DUMP_STORAGE = """() => {
  const dump = (storage) => {
    const entries = {};
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      entries[key] = storage.getItem(key);
    }
    return entries;
  };
  return {
    local: dump(localStorage),
    session: dump(sessionStorage),
    cookie: {document: document.cookie},
  };
}"""


@pytest.mark.long
def test_graphiql_runs_a_query_and_keeps_no_token_in_browser_storage(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import Page, sync_playwright

    def storage(page: Page) -> dict[str, dict[str, str]]:
        dumped: dict[str, dict[str, str]] = page.evaluate(DUMP_STORAGE)
        return dumped

    env = {"JTAI_DATABASE_URL": f"sqlite:///{tmp_path / 'browser.db'}"}
    log = tmp_path / "serve.log"
    with jtai_serve(env, args=("--demo",), log=log) as base, sync_playwright() as playwright:
        link = re.search(rf"{re.escape(base)}/graphql#token=(jtai_\S+)", log.read_text())
        assert link, log.read_text()
        token = link.group(1)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.goto(f"{base}/graphql?q={quote(QUERY)}#token={token}")
            page.locator(".graphiql-execute-button").click()
            # The query needs the token: without it the server answers 401 and no reference.
            page.wait_for_function(
                "document.querySelector('.graphiql-response').innerText.includes('JTAI-DEMO-001')"
            )
            # GraphiQL saved the run to its history, the store that used to keep the headers.
            page.wait_for_function("localStorage.getItem('graphiql:queries') !== null")
            stored = json.dumps(storage(page))
            assert "inspections" in storage(page)["local"]["graphiql:queries"]
            assert token not in stored and token.removeprefix("jtai_") not in stored, stored
            assert "Authorization" not in stored and "Bearer" not in stored, stored
            assert all(token not in cookie["value"] for cookie in context.cookies())

            # A token an earlier page left in the history is removed when the page loads.
            stale_history = {
                "queries": [
                    {
                        "query": "{ viewer { role } }",
                        "headers": f'{{"Authorization": "Bearer {STALE_TOKEN}"}}',
                    }
                ]
            }
            page.evaluate(
                "(value) => localStorage.setItem('graphiql:queries', value)",
                json.dumps(stale_history),
            )
            page.evaluate("localStorage.setItem('graphiql:headers', 'Bearer x')")
            page.reload()
            page.locator(".graphiql-execute-button").wait_for()
            cleaned = storage(page)["local"]
            assert STALE_TOKEN not in json.dumps(cleaned), cleaned
            assert "graphiql:headers" not in cleaned
            assert json.loads(cleaned["graphiql:queries"]) == {
                "queries": [{"query": "{ viewer { role } }"}]
            }
        finally:
            browser.close()


SUBSCRIPTION = """subscription Live($inspection: ID!) {
  inspectionEvents(inspectionId: $inspection) { kind cursor finding { title } }
}"""
CREATE_FINDING = """mutation Create($input: CreateFindingInput!) {
  createFinding(input: $input) { errors { field code message } finding { id } }
}"""


def test_graphiql_runs_a_subscription_over_a_websocket_with_the_editors_token(
    tmp_path: Path,
) -> None:
    """A subscription typed in GraphiQL opens ws://<host>/graphql, sends the headers editor's
    Authorization in connection_init (never in the URL), and shows the event a mutation sent over
    HTTP causes."""
    require_browser()
    import httpx
    from playwright.sync_api import WebSocket, sync_playwright

    env = {"JTAI_DATABASE_URL": f"sqlite:///{tmp_path / 'browser.db'}"}
    log = tmp_path / "serve.log"
    with jtai_serve(env, args=("--demo",), log=log) as base, sync_playwright() as playwright:
        link = re.search(rf"{re.escape(base)}/graphql#token=(jtai_\S+)", log.read_text())
        assert link, log.read_text()
        token = link.group(1)
        auth = {"Authorization": f"Bearer {token}"}
        found = httpx.post(
            f"{base}/graphql",
            json={"query": "{ inspections { nodes { id framework { criteria { code } } } } }"},
            headers=auth,
        ).json()["data"]["inspections"]["nodes"][0]
        inspection, criterion = found["id"], found["framework"]["criteria"][0]["code"]

        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.set_default_timeout(10_000)
            sockets: list[WebSocket] = []
            sent: list[str] = []

            def opened(socket: WebSocket) -> None:
                sockets.append(socket)
                socket.on("framesent", lambda payload: sent.append(str(payload)))

            page.on("websocket", opened)
            variables = json.dumps({"inspection": inspection})
            page.goto(
                f"{base}/graphql?q={quote(SUBSCRIPTION)}&variables={quote(variables)}#token={token}"
            )
            page.locator(".graphiql-execute-button").click()
            # Live only: the server may take a moment to register the subscription, so send
            # findings until one shows (each a new title; a bounded number of tries).
            shown = None
            for attempt in range(10):
                title = f"Seen live in GraphiQL {attempt}"
                created = httpx.post(
                    f"{base}/graphql",
                    json={
                        "query": CREATE_FINDING,
                        "variables": {
                            "input": {
                                "inspectionId": inspection,
                                "kind": "STRENGTH",
                                "title": title,
                                "text": "Synthetic text.",
                                "criteria": [criterion],
                            }
                        },
                    },
                    headers=auth,
                ).json()
                assert created["data"]["createFinding"]["errors"] == [], created
                try:
                    page.wait_for_function(
                        "document.querySelector('.graphiql-response').innerText"
                        ".includes('Seen live in GraphiQL')",
                        timeout=2_000,
                    )
                except Exception:  # not yet subscribed when that finding was created
                    continue
                shown = page.locator(".graphiql-response").inner_text()
                break
            assert shown is not None, "no event reached GraphiQL"
            assert "FINDING_CREATED" in shown and "Seen live in GraphiQL" in shown, shown

            # One socket, to the page's own host and path, with no token in its URL; the token
            # went in connection_init, from the headers editor.
            assert [s.url for s in sockets] == [base.replace("http://", "ws://") + "/graphql"]
            init = json.loads(next(frame for frame in sent if "connection_init" in frame))
            assert init == {
                "type": "connection_init",
                "payload": {"authorization": auth["Authorization"]},
            }
            stored = json.dumps(page.evaluate(DUMP_STORAGE))
            assert token.removeprefix("jtai_") not in stored, stored

            # A refused token: the socket's close code and reason are shown, not retried.
            refused = context.new_page()
            refused.set_default_timeout(10_000)
            refused.goto(
                f"{base}/graphql?q={quote(SUBSCRIPTION)}&variables={quote(variables)}"
                "#token=jtai_not_a_token"
            )
            refused.locator(".graphiql-execute-button").click()
            refused.wait_for_function(
                "document.querySelector('.graphiql-response').innerText"
                ".includes('closed the subscription')"
            )
            shown = refused.locator(".graphiql-response").inner_text()
            assert "4401" in shown, shown
        finally:
            browser.close()
