"""The outbound HTTP client (webhook deliveries, the S3 store) as installed: a request imports
nothing. httpcore asks for sniffio on every request; without it each ask is a failed import,
a search of the whole import path (it halved webhook delivery throughput)."""

import subprocess
import sys

PROBE = r"""
import asyncio, sys
import httpx

imports = []

async def main():
    async def answer(reader, writer):
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    async with httpx.AsyncClient() as client:
        await client.get(url)  # the first request may import what it lazily needs
        sys.addaudithook(lambda event, args: imports.append(args[0]) if event == "import" else None)
        for _ in range(20):
            assert (await client.get(url)).status_code == 200
    server.close()

asyncio.run(main())
print(len(imports), sorted(set(imports)))
"""


def test_a_request_imports_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    count, names = done.stdout.split(" ", 1)
    assert count == "0", f"20 requests imported {names.strip()}"
