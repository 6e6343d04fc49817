"""The HTTP server's own limits: idle and slow connections are closed, oversized headers refused."""

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.errors import PROBLEM_BASE


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools) with what it leaves open:

    - a connection that never sends a request is closed after the keep-alive timeout (uvicorn
      arms it only after a response), so idle sockets cannot pile up until descriptors run out;
    - the request line and headers must arrive within `header_timeout` seconds (slow senders);
    - the request line and headers together may not exceed `max_header_bytes`: a 431 problem.
    """

    max_header_bytes = 16 * 1024
    header_timeout = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_bytes = 0
        self._headers_too_large = False
        self._headers_deadline: asyncio.TimerHandle | None = None
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._headers_deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._cancel_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def _cancel_deadline(self) -> None:
        if self._headers_deadline is not None:
            self._headers_deadline.cancel()
            self._headers_deadline = None

    def _too_slow(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    def _count(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > self.max_header_bytes:
            self._headers_too_large = True
            # Stops the parser; uvicorn answers its parse errors with send_400_response.
            raise ValueError("request headers too large")

    def send_400_response(self, msg: str) -> None:
        if not self._headers_too_large:
            super().send_400_response(msg)
            return
        body = json.dumps(
            {
                "type": PROBLEM_BASE + "headers-too-large",
                "title": "Request header fields too large",
                "status": 431,
                "detail": f"the request line and headers exceed {self.max_header_bytes} bytes",
            }
        ).encode()
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/problem+json\r\nconnection: close\r\n"
            + f"content-length: {len(body)}\r\n\r\n".encode()
            + body
        )
        self.transport.close()


def protocol(max_header_bytes: int, header_timeout: float) -> type[GuardedHttpProtocol]:
    """The protocol class with these limits (uvicorn instantiates it per connection)."""
    return type(
        "HelpdeskHttpProtocol",
        (GuardedHttpProtocol,),
        {"max_header_bytes": max_header_bytes, "header_timeout": header_timeout},
    )


@dataclass(frozen=True)
class ServerLimits:
    max_header_bytes: int = 16 * 1024
    header_timeout: float = 10.0
    keep_alive_seconds: int = 5
    # Connections and requests in flight; beyond it uvicorn answers 503 at once.
    max_connections: int = 1000


class Server(uvicorn.Server):
    """uvicorn's server that, as it begins to shut down, tells the app (`app.state.stopping`,
    an asyncio.Event the app's lifespan made): uvicorn waits for open responses to finish
    before the lifespan ends, and an event stream finishes only when told."""

    async def shutdown(self, sockets: list[Any] | None = None) -> None:
        stopping = getattr(getattr(self.config.app, "state", None), "stopping", None)
        if stopping is not None:
            stopping.set()
        await super().shutdown(sockets)


def config(app: Any, *, host: str, port: int, limits: ServerLimits) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol(limits.max_header_bytes, limits.header_timeout),  # type: ignore[arg-type]
        timeout_keep_alive=limits.keep_alive_seconds,
        limit_concurrency=limits.max_connections,
        backlog=min(2048, limits.max_connections),
        log_config=None,
        access_log=False,
    )
