"""Routing benchmark: what it costs the app to find a request's route, router by router.

For the first documented GET path of each router (and a path of none), the app in this process
answers requests that send no key: each is refused (401) by the route it reaches before the
route does anything, or answered 404, so what differs between them is finding the route. It
prints the app's CPU per request (this process: the app and httpx's in-process client) for
each, in the order the routers are included, and its ratio to the tickets router's
(`/v1/tickets/{ticket_id}`, included second). Needs no database. About half a minute."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402

REFERENCE = "/v1/tickets/1"


async def main(args: argparse.Namespace) -> None:
    app = create_app(Settings(database_url="postgresql://unused/none", rate_limit_per_minute=0))
    firsts: dict[str, str] = {}
    for path, operations in app.openapi()["paths"].items():
        if "get" in operations:
            tag = (operations["get"].get("tags") or ["-"])[0]
            firsts.setdefault(tag, re.sub(r"\{[^}]+\}", "1", path))
    paths = [REFERENCE, *(p for p in firsts.values() if p != REFERENCE), "/v1/nowhere"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        spent: dict[str, float] = {}
        for path in paths:
            for _ in range(50):  # warm-up
                await client.get(path)
            status = (await client.get(path)).status_code
            start = time.process_time()
            for _ in range(args.requests):
                await client.get(path)
            spent[path] = (time.process_time() - start) / args.requests * 1e6
            print(
                f"  {path:45s} {status}  {spent[path]:6,.0f} µs"
                f"  {spent[path] / spent[REFERENCE]:.2f}× the tickets router's"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000, help="requests timed per path")
    asyncio.run(main(parser.parse_args()))
