"""A front end on another origin, in a real browser (tests/helpers/browser.py): it calls the API
with its bearer token and Apollo's automatic persisted queries when its origin is listed in
JTAI_CORS_ORIGINS, and the browser refuses the call from any other origin."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS, require_browser
from tests.helpers.server import free_port, jtai_serve

QUERY = "{ inspections { nodes { reference } } }"

# What Apollo Client's persisted-query link does: the hash alone by GET; on
# PERSISTED_QUERY_NOT_FOUND the query with its hash by POST; later the hash alone again.
PERSISTED_QUERY_ROUND = """async ({api, token, query}) => {
  const bytes = new TextEncoder().encode(query);
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  const hash = [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, "0")).join("");
  const extensions = {persistedQuery: {version: 1, sha256Hash: hash}};
  const headers = {Authorization: `Bearer ${token}`, Accept: "application/graphql-response+json"};
  const byHash = () => fetch(
    `${api}/graphql?extensions=${encodeURIComponent(JSON.stringify(extensions))}`, {headers});
  const first = await byHash();
  const missed = await first.json();
  const sent = await fetch(`${api}/graphql`, {
    method: "POST",
    headers: {...headers, "Content-Type": "application/json"},
    body: JSON.stringify({query, extensions}),
  });
  const registered = await sent.json();
  const again = await byHash();
  return {missed, missedStatus: first.status, registered, again: await again.json()};
}"""

CALL_ONCE = """async ({api, token, query}) => {
  try {
    const answer = await fetch(`${api}/graphql`, {
      method: "POST",
      headers: {Authorization: `Bearer ${token}`, "Content-Type": "application/json"},
      body: JSON.stringify({query}),
    });
    return {status: answer.status};
  } catch (error) {
    return {refused: String(error)};
  }
}"""


@contextmanager
def static_site(directory: Path) -> Iterator[str]:
    """A page on its own origin, as a front end's dev server would serve it."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.long
def test_a_front_end_on_a_listed_origin_calls_the_api_with_persisted_queries(
    tmp_path: Path,
) -> None:
    require_browser()
    from playwright.sync_api import sync_playwright

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!DOCTYPE html><title>A front end</title>")
    with static_site(site) as ui, static_site(site) as stranger:
        env = {
            "JTAI_DATABASE_URL": f"sqlite:///{tmp_path / 'cors.db'}",
            "JTAI_CORS_ORIGINS": ui,
        }
        log = tmp_path / "serve.log"
        with jtai_serve(env, args=("--demo",), log=log) as api, sync_playwright() as playwright:
            link = re.search(rf"{re.escape(api)}/graphql#token=(jtai_\S+)", log.read_text())
            assert link, log.read_text()
            arguments = {"api": api, "token": link.group(1), "query": QUERY}
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.set_default_timeout(10_000)
                page.goto(f"{ui}/index.html")
                round_trip: dict[str, Any] = page.evaluate(PERSISTED_QUERY_ROUND, arguments)

                page.goto(f"{stranger}/index.html")
                from_stranger: dict[str, Any] = page.evaluate(CALL_ONCE, arguments)
            finally:
                browser.close()

    # Apollo's link falls back on this code, which arrives with a 200 it can read.
    assert round_trip["missedStatus"] == 200
    [missed] = round_trip["missed"]["errors"]
    assert missed["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert round_trip["registered"]["data"]["inspections"]["nodes"] == [
        {"reference": "JTAI-DEMO-001"}
    ]
    assert round_trip["again"]["data"] == round_trip["registered"]["data"]
    # The browser itself refuses to give another origin's script the answer.
    assert "Failed to fetch" in from_stranger.get("refused", ""), from_stranger
