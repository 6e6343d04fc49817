"""The HTTP server's own limits: idle and slow connections are closed, oversized headers refused,
connections capped below what the open-files limit allows."""

import asyncio
import json
import os
import resource
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http import httptools_impl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.errors import PROBLEM_BASE

UNAVAILABLE = json.dumps(
    {
        "type": PROBLEM_BASE + "unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": "this server has as many connections as it takes: retry shortly",
    }
).encode()


async def too_many_connections(scope: Any, receive: Any, send: Any) -> None:
    """The answer past the connection cap: a 503 problem like every other error (uvicorn's own
    is text/plain), and the connection closed so its descriptor is free again."""
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(UNAVAILABLE)).encode()),
                (b"retry-after", b"1"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": UNAVAILABLE, "more_body": False})


# uvicorn answers a request past `limit_concurrency` with this module's `service_unavailable`,
# looked up when the request arrives: the one seam it offers for that answer.
httptools_impl.service_unavailable = too_many_connections  # type: ignore[assignment]


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools) with what it leaves open:

    - a connection that never sends a request is closed after the keep-alive timeout (uvicorn
      arms it only after a response), so idle sockets cannot pile up until descriptors run out;
    - the request line and headers must arrive within `header_timeout` seconds (slow senders);
    - the request line and headers together may not exceed `max_header_bytes`: a 431 problem.
    """

    max_header_bytes = 16 * 1024
    header_timeout = 10.0
    # Past this many connections a new one is closed as it is accepted: the descriptors left
    # belong to the process itself (its database pool, its logs), which must never run out.
    max_open_connections: int | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_bytes = 0
        self._headers_too_large = False
        self._headers_deadline: asyncio.TimerHandle | None = None
        if self.max_open_connections is not None and (
            len(self.connections) > self.max_open_connections
        ):
            transport.close()
            return
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


def protocol(
    max_header_bytes: int, header_timeout: float, max_open_connections: int | None = None
) -> type[GuardedHttpProtocol]:
    """The protocol class with these limits (uvicorn instantiates it per connection)."""
    return type(
        "HelpdeskHttpProtocol",
        (GuardedHttpProtocol,),
        {
            "max_header_bytes": max_header_bytes,
            "header_timeout": header_timeout,
            "max_open_connections": max_open_connections,
        },
    )


@dataclass(frozen=True)
class ServerLimits:
    max_header_bytes: int = 16 * 1024
    header_timeout: float = 10.0
    keep_alive_seconds: int = 5
    # Connections and requests in flight; beyond it a request gets a 503 problem at once.
    max_connections: int = 1000
    # Beyond this many, a connection is closed as it is accepted (None: no such limit).
    max_open_connections: int | None = None


# Descriptors the process needs besides its clients' connections and its database pools: the
# worker's LISTEN connection, webhook deliveries in flight, DNS, log files, what a library opens.
DESCRIPTOR_MARGIN = 64


def raise_open_files_limit() -> int:
    """The soft open-files limit raised to the hard one (as nginx and PostgreSQL do): the soft
    default (often 1,024) is a shell's, not a server's. The limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):  # a sandbox may refuse: keep what there is
            pass
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def open_descriptors() -> int:
    """Descriptors the process holds now (0 where the system does not say)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0


def fit_to_open_files(
    limits: ServerLimits, *, open_files: int, in_use: int, pool_connections: int
) -> ServerLimits:
    """`limits` with as many connections as `open_files` descriptors allow: those in use, the
    database pools' and a margin set aside, three quarters of the rest served, and past the rest
    a connection is closed on arrival, so an overload is answered with 503s, not resets."""
    spare = max(2, open_files - in_use - pool_connections - DESCRIPTOR_MARGIN)
    served = max(1, min(limits.max_connections, spare * 3 // 4))
    ceiling = max(served + 1, min(spare, limits.max_connections + spare // 4))
    return ServerLimits(
        max_header_bytes=limits.max_header_bytes,
        header_timeout=limits.header_timeout,
        keep_alive_seconds=limits.keep_alive_seconds,
        max_connections=served,
        max_open_connections=ceiling,
    )


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
    http = protocol(limits.max_header_bytes, limits.header_timeout, limits.max_open_connections)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=http,  # type: ignore[arg-type]
        timeout_keep_alive=limits.keep_alive_seconds,
        limit_concurrency=limits.max_connections,
        backlog=min(2048, limits.max_connections),
        log_config=None,
        access_log=False,
    )
