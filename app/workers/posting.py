"""HTTP/1.1 POSTs to checked addresses, for webhook deliveries: the request goes to the address
given (never to what the name resolves to now), TLS verifies the name given, connections are
kept alive per origin and reused.

Written on h11 (the HTTP/1.1 state machine httpx itself uses) and asyncio streams rather than
through httpx's connection pool, whose bookkeeping for each request walks every connection of
the pool: with a few dozen deliveries in flight it cost ten times the request itself."""

import asyncio
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import h11

# What is kept of a reply's body (for the delivery's error), and read of it at most: a longer
# body is not read to its end, and its connection is not reused.
KEPT_BYTES = 2048
READ_BYTES = 1 << 20
Error = (OSError, h11.ProtocolError)  # what a failed exchange raises, besides TimeoutError


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a request goes: the checked `address` and `port`; with `https`, TLS verifying the
    certificate for `server_name` (also sent as SNI)."""

    scheme: str
    address: str
    port: int
    server_name: str


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes  # its first KEPT_BYTES bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _StaleConnection(Exception):
    """A kept-alive connection the peer had closed: nothing of a reply came back."""


@dataclass(eq=False, slots=True)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    state: h11.Connection = field(default_factory=lambda: h11.Connection(h11.CLIENT))
    idle_since: float = 0.0
    reusable: bool = False

    def close(self) -> None:
        self.writer.close()


@dataclass(eq=False)
class Poster:
    """POSTs with keep-alive: at most `idle_per_origin` idle connections kept for each origin,
    each for `idle_seconds` at most. One event loop's; close it with `aclose` (or `async with`)."""

    idle_per_origin: int = 32
    idle_seconds: float = 5.0
    tls: ssl.SSLContext | None = None  # None: the system's certificate authorities
    _idle: dict[Origin, list[_Connection]] = field(default_factory=dict)

    async def __aenter__(self) -> "Poster":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for kept in self._idle.values():
            for conn in kept:
                conn.close()
        self._idle.clear()

    async def post(
        self,
        origin: Origin,
        target: str,
        headers: Sequence[tuple[str, str]],
        body: bytes,
        *,
        within: float,
    ) -> Reply:
        """POST `body` to `target` (path and query) at `origin`, within `within` seconds (a
        TimeoutError past it). `headers` must name the Host; Content-Length is added."""
        request = h11.Request(
            method="POST",
            target=target,
            headers=[*headers, ("content-length", str(len(body)))],
        )
        async with asyncio.timeout(within):
            conn = self._kept(origin)
            if conn is not None:
                try:
                    return self._done(origin, conn, await self._exchange(conn, request, body))
                except _StaleConnection:
                    conn.close()  # closed while idle: a new connection, once
                except BaseException:
                    conn.close()
                    raise
            conn = await self._open(origin)
            try:
                return self._done(origin, conn, await self._exchange(conn, request, body))
            except BaseException:
                conn.close()
                raise

    def _kept(self, origin: Origin) -> _Connection | None:
        kept = self._idle.get(origin)
        now = time.monotonic()
        while kept:
            conn = kept.pop()
            if now - conn.idle_since < self.idle_seconds and not conn.reader.at_eof():
                return conn
            conn.close()
        return None

    async def _open(self, origin: Origin) -> _Connection:
        if origin.scheme == "https":
            if self.tls is None:
                self.tls = ssl.create_default_context()
            reader, writer = await asyncio.open_connection(
                origin.address, origin.port, ssl=self.tls, server_hostname=origin.server_name
            )
        else:
            reader, writer = await asyncio.open_connection(origin.address, origin.port)
        return _Connection(reader, writer)

    async def _exchange(self, conn: _Connection, request: h11.Request, body: bytes) -> Reply:
        state = conn.state
        reused = conn.idle_since > 0
        try:
            conn.writer.write(
                state.send(request)
                + state.send(h11.Data(data=body))
                + state.send(h11.EndOfMessage())
            )
            await conn.writer.drain()
            first = await conn.reader.read(65536)
        except ConnectionError:
            if reused:
                raise _StaleConnection from None
            raise
        if not first and reused:
            raise _StaleConnection
        state.receive_data(first)
        status = 0
        kept = bytearray()
        read = 0
        while True:
            event = state.next_event()
            if event is h11.NEED_DATA:
                state.receive_data(await conn.reader.read(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                read += len(event.data)
                kept += event.data[: KEPT_BYTES - len(kept)]
                if read > READ_BYTES:
                    return Reply(status, bytes(kept))  # not reusable: the rest is unread
            elif isinstance(event, h11.EndOfMessage):
                conn.reusable = state.our_state is h11.DONE and state.their_state is h11.DONE
                return Reply(status, bytes(kept))
            elif isinstance(event, h11.ConnectionClosed):
                raise h11.RemoteProtocolError("the connection closed before the reply")
            # h11.InformationalResponse (1xx): the final reply follows

    def _done(self, origin: Origin, conn: _Connection, reply: Reply) -> Reply:
        kept = self._idle.setdefault(origin, [])
        if conn.reusable and len(kept) < self.idle_per_origin:
            conn.state.start_next_cycle()
            conn.reusable = False
            conn.idle_since = time.monotonic()
            kept.append(conn)
        else:
            conn.close()
        return reply
