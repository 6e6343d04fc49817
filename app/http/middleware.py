"""ASGI middleware: request ids and access logs, and the request body size limit."""

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PROBLEM_BASE
from app.logs import actor_var, client_var, request_id_var, writes_var

access = logging.getLogger("helpdesk.access")

# A request id a client sends is kept when it is plain (letters, digits, . _ : -): it goes into
# logs and the audit log as it is, so it must not carry quotes, spaces or control characters.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


class RequestContext:
    """Echoes X-Request-ID (or makes one), logs one structured line per request, and holds
    what the audit log records of it: request id, client address, the caller (once known)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        client = scope.get("client")
        client_token = client_var.set(str(client[0]) if client else None)
        writes_token = writes_var.set(scope["method"] not in _READS)
        # Cleared for each request: the caller is set by the route's dependency, and must not
        # outlive the request where the app runs in its caller's task (tests, ASGI clients).
        actor_token = actor_var.set(None)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)
            client_var.reset(client_token)
            writes_var.reset(writes_token)
            actor_var.reset(actor_token)


class BodyLimit:
    """Refuses request bodies over `max_bytes` with a 413 problem, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        if declared is not None:
            await self.app(scope, receive, send)
            return
        # A streamed body of unknown length: read it (at most the limit) before the app sees it,
        # so the refusal is a clean 413 and not an error from half-parsed JSON.
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                await self._refuse(scope, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + "payload-too-large",
            "title": "Payload too large",
            "status": 413,
            "detail": f"the request body is larger than {self.max_bytes} bytes",
            "instance": scope["path"],
        }
        raw = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(raw)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})


JSON_TYPES = (b"application/json", b"application/problem+json", b"application/merge-patch+json")
# The routes whose bodies are not JSON, and the one media type each takes instead.
RAW_BODIES = {"/v1/inbound/email": b"message/rfc822"}


class JsonBodies:
    """Request bodies are JSON (or a raw route's own type, RAW_BODIES): any other declared
    Content-Type is a 415 problem naming it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-type")
        length = headers.get(b"content-length")
        has_body = length is None or length != b"0"
        media = (declared or b"").split(b";", 1)[0].strip().lower()
        raw_type = RAW_BODIES.get(scope["path"])
        if raw_type is not None:
            accepted = media == raw_type
        else:
            accepted = media in JSON_TYPES or media.endswith(b"+json")
        if declared is None or not has_body or accepted:
            await self.app(scope, receive, send)
            return
        wanted = (raw_type or b"application/json").decode()
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + "unsupported-media-type",
            "title": "Unsupported media type",
            "status": 415,
            "detail": f"request bodies are {wanted}, not {media.decode('latin-1')!r}",
            "instance": scope["path"],
        }
        raw = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 415,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(raw)).encode()),
                    (b"accept", wanted.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})
