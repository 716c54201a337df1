"""The offline GraphiQL page: no external URL, every asset present, every asset's hash pinned."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser

import pytest

from core.graphiql import GRAPHIQL_ASSETS_DIR, graphiql_page

ASSETS_URL = "/graphiql-assets"

EXPECTED_ASSETS = {
    "react.production.min.js",
    "react-dom.production.min.js",
    "js.cookie.min.js",
    "graphiql.min.js",
    "graphiql.min.css",
    "plugin-explorer.umd.js",
    "plugin-explorer.css",
    "graphql-ws.min.js",
}


class _Tag:
    def __init__(self, name: str, attrs: dict[str, str | None]) -> None:
        self.name = name
        self.attrs = attrs


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[_Tag] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(_Tag(tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def _tags(page: str) -> list[_Tag]:
    collector = _TagCollector()
    collector.feed(page)
    collector.close()
    return collector.tags


def _urls(page: str) -> list[str]:
    return [
        url
        for tag in _tags(page)
        for attr in ("src", "href")
        if (url := tag.attrs.get(attr)) is not None
    ]


def _asset_name(url: str) -> str:
    """The file name an asset URL in the rendered page refers to."""
    assert url.startswith(ASSETS_URL + "/"), f"{url!r} is not under {ASSETS_URL}/"
    name = url.removeprefix(ASSETS_URL + "/")
    assert name and "/" not in name and name not in {".", ".."}, url
    return name


def _sha384(name: str) -> str:
    digest = hashlib.sha384((GRAPHIQL_ASSETS_DIR / name).read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode("ascii")


@pytest.fixture(scope="module")
def page() -> str:
    return graphiql_page(ASSETS_URL)


def test_page_has_no_external_url(page: str) -> None:
    for text in (page, (GRAPHIQL_ASSETS_DIR / "index.html").read_text(encoding="utf-8")):
        assert "http://" not in text
        assert "https://" not in text
        assert "unpkg" not in text


def test_placeholder_is_replaced(page: str) -> None:
    assert "{{ASSETS}}" not in page
    assert graphiql_page(ASSETS_URL + "/") == page


def test_every_src_and_href_is_a_local_asset(page: str) -> None:
    urls = _urls(page)
    names = set()
    for url in urls:
        if url.startswith("data:"):  # the empty favicon; loads nothing
            continue
        name = _asset_name(url)
        assert (GRAPHIQL_ASSETS_DIR / name).is_file(), f"{name} missing from {GRAPHIQL_ASSETS_DIR}"
        names.add(name)
    assert names == EXPECTED_ASSETS


def test_every_asset_matches_its_integrity_attribute(page: str) -> None:
    checked = set()
    for tag in _tags(page):
        url = tag.attrs.get("src") or tag.attrs.get("href")
        if url is None or url.startswith("data:"):
            continue
        integrity = tag.attrs.get("integrity")
        assert integrity, f"<{tag.name}> for {url} has no integrity attribute"
        name = _asset_name(url)
        assert _sha384(name) == integrity, f"{name} does not match its integrity attribute"
        checked.add(name)
    assert checked == EXPECTED_ASSETS


def test_every_asset_is_listed_with_its_hash_in_the_licences_file() -> None:
    licences = (GRAPHIQL_ASSETS_DIR / "LICENSES.md").read_text(encoding="utf-8")
    for name in EXPECTED_ASSETS:
        row = next((r for r in licences.splitlines() if r.startswith(f"| `{name}` |")), None)
        assert row is not None, f"{name} has no row in LICENSES.md"
        assert _sha384(name) in row, f"LICENSES.md gives {name} another hash"
