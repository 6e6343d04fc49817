"""The HTTP server's own limits, on a real socket: idle, slow and oversized requests, connections
past what the open-files limit allows; and what `helpdesk serve` says when it starts."""

import asyncio
import io
import json
import logging
import os
import re
import resource
import socket
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from app.http.server import ServerLimits, config, fit_to_open_files
from app.logs import configure


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


def test_connections_fit_in_the_open_files_limit() -> None:
    wanted = ServerLimits(max_connections=1000)
    roomy = fit_to_open_files(wanted, open_files=1 << 20, in_use=30, pool_connections=20)
    assert roomy.max_connections == 1000
    tight = fit_to_open_files(wanted, open_files=1024, in_use=30, pool_connections=20)
    spare = 1024 - 30 - 20 - 64
    assert tight.max_connections < tight.max_open_connections == spare
    assert tight.max_connections == spare * 3 // 4


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_logs_read_as_lines_on_a_terminal_and_as_json_elsewhere() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        for stream in (_Terminal(), io.StringIO()):
            configure("INFO", "auto", stream=stream)
            logging.getLogger("helpdesk.test").info("hello %s", "Ada", extra={"ticket_id": 7})
            line = stream.getvalue().strip()
            if stream.isatty():
                assert re.fullmatch(
                    r"\d\d:\d\d:\d\d INFO +helpdesk.test  hello Ada  ticket_id=7", line
                )
            else:
                assert json.loads(line) | {"ts": None} == {
                    "ts": None,
                    "level": "info",
                    "logger": "helpdesk.test",
                    "msg": "hello Ada",
                    "ticket_id": 7,
                }
        forced = io.StringIO()
        configure("INFO", "console", stream=forced)
        logging.getLogger("helpdesk.test").info("plain")
        assert forced.getvalue().split()[1:] == ["INFO", "helpdesk.test", "plain"]
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


OPEN_FILES = 256


def _low_file_limit() -> None:
    """In the child: a soft limit below a low hard one, as a shell's default would be."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES // 2, OPEN_FILES))


async def _line(stream: asyncio.StreamReader, pattern: str, seen: list[str]) -> re.Match[str]:
    while True:
        raw = await stream.readline()
        if not raw:
            raise AssertionError("the server stopped: " + "".join(seen))
        seen.append(raw.decode())
        found = re.search(pattern, seen[-1])
        if found:
            return found


async def test_serve_starts_plainly_and_answers_503_problems_past_its_connections(
    fresh_database: str,
) -> None:
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": fresh_database,
        "HELPDESK_KEEP_ALIVE_SECONDS": "60",
        "HELPDESK_HEADER_TIMEOUT_SECONDS": "60",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "serve",
        "--no-worker",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=_low_file_limit,
    )
    assert process.stdout is not None and process.stderr is not None
    held: list[asyncio.StreamWriter] = []
    logs: list[str] = []
    try:
        said: list[str] = []
        await asyncio.wait_for(
            _line(process.stdout, rf"address:  http://127.0.0.1:{port}", said), 60
        )
        await asyncio.wait_for(_line(process.stdout, r"^  hd_\S+$", said), 10)  # the first key
        chosen = await asyncio.wait_for(
            _line(
                process.stderr,
                r'"serving at most (\d+) connections.*closed past (\d+).*limit (\d+)"',
                logs,
            ),
            60,
        )
        served, ceiling, open_files = int(chosen[1]), int(chosen[2]), int(chosen[3])
        assert open_files == OPEN_FILES  # the soft limit was raised to the hard one
        assert 0 < served < OPEN_FILES
        await asyncio.wait_for(_line(process.stderr, "Uvicorn running", logs), 60)
        for line in logs:  # stderr is no terminal: JSON lines, and no Alembic chatter
            assert "alembic" not in json.loads(line)["logger"], line
        for _ in range(served):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            held.append(writer)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        held.append(writer)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), 10)
        assert answer.startswith(b"HTTP/1.1 503 "), answer
        assert b"application/problem+json" in answer and b'"status": 503' in answer
        # Up to the ceiling connections are kept (and refused a request); past it, closed at once.
        for _ in range(ceiling - served):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            held.append(writer)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        held.append(writer)
        assert await _closed_within(reader, 5) == b""
    finally:
        for writer in held:
            writer.close()
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)
