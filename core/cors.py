"""CORS, applied by the HTTP front (core/http_front.py): Starlette's rules, with a refused
preflight answered in the API's error format (Starlette's answers it in plain text, the one 4xx
that would not be JSON), and the headers of every other answer added to its header list in place
of a send wrapper of their own."""

from __future__ import annotations

from collections.abc import Collection

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from core.request_errors import error_response, response_media_type

CORS_REFUSED = "CORS_REFUSED"
RawHeaders = list[tuple[bytes, bytes]]


async def _no_app(scope: Scope, receive: Receive, send: Send) -> None:  # pragma: no cover
    raise RuntimeError("CORS rules are applied by core/http_front.py, not as a middleware")


class _JsonCORSRules(CORSMiddleware):
    """Starlette's CORS rules (its middleware, never called as one), a refused preflight
    answered as ``{"errors": [...]}`` with the code ``CORS_REFUSED``, naming what was refused and
    the setting that allows origins."""

    def preflight_response(self, request_headers: Headers) -> Response:
        answer = super().preflight_response(request_headers)
        if answer.status_code < 400:
            return answer
        refused = bytes(answer.body).decode()  # "Disallowed CORS origin, headers"
        message = (
            f"{refused} (origin {request_headers.get('origin')!r}): only origins listed in "
            "JTAI_CORS_ORIGINS may call this API from a browser, with GET or POST and the "
            "Authorization, Content-Type and GraphQL-Require-Preflight headers."
        )
        headers = {
            k: v for k, v in answer.headers.items() if k.lower().startswith("access-control-")
        }
        headers["Vary"] = "Origin"
        media_type = response_media_type(request_headers.get("accept", ""))
        return error_response(answer.status_code, CORS_REFUSED, message, media_type, headers)


class CorsPolicy:
    """Which origins may call the API from a browser (no credentials: tokens travel in the
    Authorization header, which the preflight allows)."""

    def __init__(
        self,
        allow_origins: Collection[str],
        allow_methods: Collection[str],
        allow_headers: Collection[str],
        max_age: int = 600,
    ) -> None:
        self._rules = _JsonCORSRules(
            _no_app,
            allow_origins=allow_origins,
            allow_methods=allow_methods,
            allow_headers=allow_headers,
            max_age=max_age,
        )
        self._allow_all = self._rules.allow_all_origins
        self._origins = frozenset(origin.encode("latin-1") for origin in allow_origins)
        self._simple = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in self._rules.simple_headers.items()
        ]

    @staticmethod
    def is_preflight(method: str, headers: dict[bytes, bytes]) -> bool:
        return (
            method == "OPTIONS"
            and b"origin" in headers
            and b"access-control-request-method" in headers
        )

    def preflight(self, scope: Scope) -> Response:
        """The answer to a preflight: what the origin may send, or a JSON refusal."""
        return self._rules.preflight_response(Headers(scope=scope))

    def add_headers(self, headers: RawHeaders, origin: bytes | None) -> None:
        """Add to an answer's ``headers`` what Starlette's middleware adds (its ``send``):
        the origin mirrored back if allowed, and ``Vary: Origin`` always."""
        if origin is not None:
            for name, value in self._simple:
                _set(headers, name, value)
            if not self._allow_all and origin in self._origins:
                _set(headers, b"access-control-allow-origin", origin)
        varies = [value for name, value in headers if name == b"vary"]
        _set(headers, b"vary", b", ".join([*varies, b"Origin"]))


def _set(headers: RawHeaders, name: bytes, value: bytes) -> None:
    """As Starlette's ``MutableHeaders[name] = value``: the first ``name`` replaced in place and
    the others removed, or appended."""
    found = [index for index, (key, _) in enumerate(headers) if key == name]
    if not found:
        headers.append((name, value))
        return
    for index in reversed(found[1:]):
        del headers[index]
    headers[found[0]] = (name, value)
