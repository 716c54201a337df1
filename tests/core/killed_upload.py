"""A process that sends one document through the real app and stops at a chosen moment, so that
tests/core/test_killed_uploads.py can kill it there with SIGKILL.

    python tests/core/killed_upload.py MOMENT TOKEN REQUEST_GLOBAL_ID

MOMENT is ``mid-stream`` (2 MB of the bytes are in the store, more are still coming) or
``before-commit`` (every byte is stored and the document's row written, not yet committed). The
settings come from the environment (JTAI_DATABASE_URL, JTAI_STORAGE_DIR, JTAI_DOCUMENT_STORE), as
for ``jtai serve``. It prints ``PAUSED`` when it has reached the moment, then waits to be killed.
This file is the test's, never the app's: the pause is patched in here.
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
import time
from typing import Any

import httpx
from starlette.datastructures import UploadFile

import core.graphql.requests.mutations as request_resolvers
import core.workflow.documents as documents
from core.app import create_app

MEGABYTE = 1024 * 1024
QUERY = (
    "mutation($r: ID!, $f: Upload!) { uploadDocument(requestId: $r, file: $f) "
    "{ document { id } errors { message } } }"
)


def pause() -> None:
    print("PAUSED", flush=True)
    time.sleep(120)  # the test kills us long before this; the bound keeps a lost run finite
    raise SystemExit("not killed")


class EndlessBytes(io.RawIOBase):
    """Synthetic bytes that pause for good once two megabytes have been read."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.given >= 2 * MEGABYTE:
            pause()
        self.given += MEGABYTE
        return b"s" * MEGABYTE


def main(moment: str, token: str, request_id: str) -> None:
    if moment == "mid-stream":
        original_upload_of = request_resolvers._upload_of

        def endless_upload(file: object) -> UploadFile:
            upload = original_upload_of(file)
            return UploadFile(EndlessBytes(), filename=upload.filename)  # type: ignore[arg-type]

        request_resolvers._upload_of = endless_upload
    elif moment == "before-commit":
        original_record = documents.record_document

        def record_then_pause(*args: Any, **kwargs: Any) -> Any:
            recorded = original_record(*args, **kwargs)
            pause()
            return recorded

        documents.record_document = record_then_pause
    else:
        raise SystemExit(f"unknown moment {moment!r}")

    app = create_app()
    operations = {"query": QUERY, "variables": {"r": request_id, "f": None}}

    async def send() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://child") as client:
            await client.post(
                "/graphql",
                data={"operations": json.dumps(operations), "map": '{"0": ["variables.f"]}'},
                files={"0": ("minutes.pdf", b"%PDF-1.4 synthetic" * 1000, "application/pdf")},
                headers={"Authorization": f"Bearer {token}", "GraphQL-Require-Preflight": "1"},
            )

    asyncio.run(send())
    raise SystemExit("the upload finished without pausing")


if __name__ == "__main__":
    main(*sys.argv[1:4])
