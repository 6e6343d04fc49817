"""ASGI middleware: request ids, access logs and request metrics; CORS preflights from origins
not allowed; request bodies (size, media type) and the rate limit's headers."""

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PROBLEM_BASE
from app.http import telemetry
from app.http.problems import methods_at
from app.http.ratelimit import STATE_KEY, Quota
from app.logs import actor_var, client_var, request_id_var, writes_var

access = logging.getLogger("helpdesk.access")

# A request id a client sends is kept when it is plain (letters, digits, . _ : -): it goes into
# logs and the audit log as it is, so it must not carry quotes, spaces or control characters.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


class RequestEdge:
    """The outer edge of every request: echoes X-Request-ID (or makes one), holds what the audit
    log records of the request (request id, client address, the caller once known), counts and
    times it under its route's template (app.http.telemetry) and logs one structured line.

    One pure ASGI layer for what were two: each layer costs every request a call and a wrapped
    `send` per message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = _header(scope, b"x-request-id").decode("latin-1")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        client = scope.get("client")
        client_token = client_var.set(str(client[0]) if client else None)
        writes_token = writes_var.set(scope["method"] not in _READS)
        # Cleared for each request: the caller is set by the route's dependency, and must not
        # outlive the request where the app runs in its caller's task (tests, ASGI clients).
        actor_token = actor_var.set(None)
        status = 500
        request_id_header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), request_id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration = time.perf_counter() - started
            telemetry.count(scope, status, duration)
            if access.isEnabledFor(logging.INFO):
                access.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round(duration * 1000, 2),
                    },
                )
            request_id_var.reset(token)
            client_var.reset(client_token)
            writes_var.reset(writes_token)
            actor_var.reset(actor_token)


def _header(scope: Scope, name: bytes) -> bytes:
    """The request's last `name` header (names arrive lowercased), b"" when it has none."""
    found = b""
    for key, value in scope["headers"]:
        if key == name:
            found = value
    return found


class Preflights:
    """CORS preflights (OPTIONS with Origin and Access-Control-Request-Method) from an origin not
    in `allowed` are refused here with a 400 problem carrying no Access-Control-Allow-* header:
    the browser's CORS check fails on the missing Allow-Origin whatever the status (Fetch
    §4.8), and the status and text tell the developer looking at the network tab why, rather
    than a 405 from a path that has no OPTIONS route. Preflights from allowed origins go on to
    the CORS middleware, which answers them."""

    def __init__(self, app: ASGIApp, allowed: list[str]) -> None:
        self.app = app
        self.allowed = frozenset(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await self.app(scope, receive, send)
            return
        origin = _header(scope, b"origin").decode("latin-1")
        requested = _header(scope, b"access-control-request-method")
        if not origin or not requested or "*" in self.allowed or origin in self.allowed:
            await self.app(scope, receive, send)
            return
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + "cors-origin-not-allowed",
            "title": "Origin not allowed",
            "status": 400,
            "detail": f"browsers at {origin} may not call this API: an administrator allows an "
            "origin by adding it to HELPDESK_CORS_ORIGINS (comma-separated)",
            "instance": scope["path"],
        }
        await _problem(send, body, [(b"vary", b"Origin")])


JSON_TYPES = (b"application/json", b"application/problem+json", b"application/merge-patch+json")
# The routes whose bodies are not JSON, and the one media type each takes instead.
RAW_BODIES = {"/v1/inbound/email": b"message/rfc822"}
# The routes whose bodies are files of any type, streamed to the route, which holds them to a
# limit of its own (HELPDESK_ATTACHMENT_MAX_BYTES) while it reads.
STREAMED_BODIES = frozenset({"/v1/attachments"})
# The routes that also take a form of files (multipart/form-data), read by the route with its
# own limit (HELPDESK_ATTACHMENT_MESSAGE_MAX_BYTES).
FORM_BODIES = re.compile(r"^/v1/tickets/[^/]+/interactions$")
_WITH_BODIES = frozenset({"POST", "PUT", "PATCH"})


class RequestBodies:
    """Request bodies over `max_bytes` are refused with a 413 problem, declared or streamed;
    they are JSON (or a raw route's own type, RAW_BODIES), any other declared Content-Type is a
    415 problem naming it. And the response of every request the rate limit counted (429s
    included) carries `RateLimit-Policy` and `RateLimit` (app.http.ratelimit).

    One pure ASGI layer for what were three (see RequestEdge); CORS, when configured, sits
    between the two, so its preflights are answered before a body is looked at."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "POST" and (
            scope["path"] in STREAMED_BODIES
            or (FORM_BODIES.match(scope["path"]) and _is_form(scope["headers"]))
        ):
            await self._app_with_quota(scope, receive, send)
            return
        declared: bytes | None = None
        length: bytes | None = None
        for key, value in scope["headers"]:  # the last of each, as a dict of them would keep
            if key == b"content-length":
                length = value
            elif key == b"content-type":
                declared = value
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._too_large(scope, send)
            return
        if length is None:
            # A streamed body of unknown length: read it (at most the limit) before the app
            # sees it, so the refusal is a clean 413 and not an error from half-parsed JSON.
            messages: list[Message] = []
            received = 0
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    break
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    await self._too_large(scope, send)
                    return
                if not message.get("more_body", False):
                    break
            outer = receive

            async def replay() -> Message:
                return messages.pop(0) if messages else await outer()

            receive = replay
        if scope["method"] in _WITH_BODIES and declared is not None and length != b"0":
            refused = self._unsupported(scope, declared)
            # A method no route serves here is the router's 405 (or a path none serves its
            # 404), whatever the body: the type of a body nothing reads is no matter.
            if refused is not None and scope["method"] in methods_at(scope):
                await refused(send)
                return
        await self._app_with_quota(scope, receive, send)

    async def _app_with_quota(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The request's state is this dict: the rate limit dependency's request.state writes
        # its counters into it.
        state: dict[str, object] = scope.setdefault("state", {})

        async def send_with_quota(message: Message) -> None:
            if message["type"] == "http.response.start":
                quota = state.get(STATE_KEY)
                if isinstance(quota, Quota):
                    message["headers"] = [*message.get("headers", []), *quota.headers()]
            await send(message)

        await self.app(scope, receive, send_with_quota)

    def _unsupported(
        self, scope: Scope, declared: bytes
    ) -> Callable[[Send], Awaitable[None]] | None:
        """The 415 refusal of a body of the declared type, or None when the route takes it."""
        media = declared.split(b";", 1)[0].strip().lower()
        raw_type = RAW_BODIES.get(scope["path"])
        if raw_type is not None:
            accepted = media == raw_type
        else:
            accepted = media in JSON_TYPES or media.endswith(b"+json")
        if accepted:
            return None
        wanted = (raw_type or b"application/json").decode()
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + "unsupported-media-type",
            "title": "Unsupported media type",
            "status": 415,
            "detail": f"request bodies are {wanted}, not {media.decode('latin-1')!r}",
            "instance": scope["path"],
        }
        return lambda send: _problem(send, body, [(b"accept", wanted.encode())])

    async def _too_large(self, scope: Scope, send: Send) -> None:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + "payload-too-large",
            "title": "Payload too large",
            "status": 413,
            "detail": f"the request body is larger than {self.max_bytes} bytes",
            "instance": scope["path"],
        }
        await _problem(send, body)


def _is_form(headers: list[tuple[bytes, bytes]]) -> bool:
    declared = dict(headers).get(b"content-type", b"")
    return declared.split(b";", 1)[0].strip().lower() == b"multipart/form-data"


async def _problem(
    send: Send, body: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": body["status"],
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(raw)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": raw})
