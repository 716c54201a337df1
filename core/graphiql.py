"""The GraphiQL page, served with its JavaScript and CSS from this package instead of a CDN.

Strawberry's own GraphiQL page loads React, GraphiQL and the explorer plugin from unpkg, so it
shows nothing but "Loading..." on a machine without internet access. ``static/graphiql/`` holds
the same files, byte for byte (``LICENSES.md`` lists them with their sha384 hashes), and an
adapted copy of strawberry's page that loads them from a URL prefix chosen by the server: mount
``GRAPHIQL_ASSETS_DIR`` as static files at that prefix and serve ``graphiql_page(prefix)``.

The page keeps the ``integrity`` attributes, so a changed asset is refused by the browser.

The page hands GraphiQL a storage of its own: GraphiQL 3.8.3 saves each query's headers (so the
bearer token) in its localStorage history even with ``shouldPersistHeaders: false``. The wrapper
drops every ``headers`` member before anything is stored and cleans what older pages left, so
history, tabs and favourites keep working across reloads without the token; sessionStorage alone
would have kept the token for the tab's life and lost the history (tests/test_graphiql_browser.py).

Subscriptions run through graphql-ws's browser bundle (``graphql-ws.min.js``, vendored the same
way): the page's fetcher sends them to ``ws(s)://<this host><this path>`` and puts the headers
editor's ``Authorization`` in ``connection_init``, the only place the server reads it from.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path

GRAPHIQL_ASSETS_DIR: Path = Path(__file__).resolve().parent / "static" / "graphiql"
"""The directory holding the GraphiQL page template and the assets it loads."""

_TEMPLATE_NAME = "index.html"
_ASSETS_PLACEHOLDER = "{{ASSETS}}"


@functools.cache
def _template() -> str:
    """The page template, read once."""
    return (GRAPHIQL_ASSETS_DIR / _TEMPLATE_NAME).read_text(encoding="utf-8")


def graphiql_page(assets_url: str) -> str:
    """The GraphiQL HTML with asset URLs pointing at assets_url (no trailing slash).

    ``assets_url`` is where ``GRAPHIQL_ASSETS_DIR`` is served, e.g. ``/graphiql-assets``. A trailing
    slash is tolerated and dropped. The placeholder only occurs inside ``src``/``href`` attribute
    values, so the URL is HTML-escaped for an attribute.
    """
    prefix = html.escape(assets_url.rstrip("/"), quote=True)
    return _template().replace(_ASSETS_PLACEHOLDER, prefix)
