"""CORS with refusals in the API's error format: Starlette's middleware answers a refused preflight
in plain text, the one 4xx that would not be JSON."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from core.request_errors import error_response, response_media_type

CORS_REFUSED = "CORS_REFUSED"


class JsonCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, a refused preflight answered as ``{"errors": [...]}`` with the code
    ``CORS_REFUSED``, naming what was refused and the setting that allows origins."""

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
