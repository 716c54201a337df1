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
