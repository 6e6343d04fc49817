"""The HTTP server's own limits, on a real socket: idle, slow and oversized requests."""

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from app.http.server import ServerLimits, config


async def _ok(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def port() -> AsyncIterator[int]:
    chosen = _free_port()
    limits = ServerLimits(
        max_header_bytes=4096, header_timeout=0.5, keep_alive_seconds=1, max_connections=50
    )
    server = uvicorn.Server(config(_ok, host="127.0.0.1", port=chosen, limits=limits))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers a flag, not an event)
        await asyncio.sleep(0.01)
    yield chosen
    server.should_exit = True
    await asyncio.wait_for(task, 10)


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """What the server sent before closing, if it closes within `seconds` (a reset is a close
    that found our unread bytes)."""
    try:
        return await asyncio.wait_for(reader.read(), seconds)
    except (ConnectionResetError, BrokenPipeError):
        return b""


async def test_a_connection_that_never_sends_a_request_is_closed(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    assert await _closed_within(reader, 3) == b""
    writer.close()


async def test_headers_that_trickle_in_are_cut_off(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
    await writer.drain()
    try:
        for _ in range(5):  # each line resets the keep-alive timer, not the header deadline
            await asyncio.sleep(0.3)
            writer.write(b"X-Slow: 1\r\n")
            await writer.drain()
    except (ConnectionResetError, BrokenPipeError):
        pass  # closed under the sender: what the deadline is for
    assert await _closed_within(reader, 3) == b""
    writer.close()


async def test_oversized_headers_are_a_431_problem(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8000 + b"\r\n\r\n")
    await writer.drain()
    answer = await _closed_within(reader, 3)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"application/problem+json" in answer and b"headers-too-large" in answer
    writer.close()


async def test_an_ordinary_request_is_answered_and_kept_alive_briefly(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"ok"), 3)
    assert head.startswith(b"HTTP/1.1 200 ")
    await _closed_within(reader, 3)  # the rest of the response, then the close once idle
    assert reader.at_eof()
    writer.close()
