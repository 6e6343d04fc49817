"""Events-out benchmark: 10,000 ticket changes with 3 webhook subscriptions to a loopback
receiver. Prints delivery throughput, p99 from commit to receipt (target ≤ 1 s), and ticket-create
throughput (each create writes its event in its own INSERT statement). Then the live event
stream: 200 streams open on an API process (uvicorn, loopback), 3 writers creating tickets through
another replica; p99 from commit to the event's arrival on every stream (target ≤ 250 ms).
`--streams-only` runs that part alone; `--against DIR --stream-rounds N` alternates its rounds
between this checkout's stream server and the one of the checkout in DIR (ratios within one
run hold on a shared machine where absolute figures do not).

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.clock import utcnow  # noqa: E402
from app.db import Limits, connect, libpq_url  # noqa: E402
from app.settings import Settings  # noqa: E402
from bench import harness  # noqa: E402

SUBSCRIPTIONS = 3
TARGET_P99_S = 1.0
TYPES = ["ticket.created", "ticket.updated"]
TARGET_STREAM_P99_S = 0.25
# Set (to a directory) by `--profile-streams`: each stream server writes its profile there.
PROFILE_VARIABLE = "HELPDESK_BENCH_STREAM_PROFILE"
OPEN_ATTEMPTS = 20  # per stream, while the server refuses it
# The loopback receiver's network, allowed as a webhook target for the bench only.
RECEIVER_NETWORKS = ["127.0.0.0/8"]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def settings_for(url: str) -> Settings:
    return Settings(
        database_url=url,
        rate_limit_per_minute=0,
        webhook_allowed_networks=RECEIVER_NETWORKS,
        audit_reads=False,
    )


@contextlib.asynccontextmanager
async def api(url: str) -> Any:
    """The API in this process on `url` (bench/harness.py) and its admin client."""
    async with harness.in_process(
        url, utcnow(), request_seconds=30, webhook_allowed_networks=RECEIVER_NETWORKS
    ) as service:
        yield service.client


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
    from app.services.context import Desk
    from app.workers.posting import Poster
    from app.workers.webhooks import WebhookWorker

    async def main() -> None:
        db = await connect(url, Limits(pool_size=4))
        desk = Desk.of(db, settings_for(url))
        async with Poster() as http:
            await WebhookWorker(desk, SystemClock(), http).run(asyncio.Event())

    asyncio.run(main())


# --------------------------------------------------------------------------- the event stream


def stream_server_process(url: str, port: int) -> None:
    """The API, served by uvicorn on a loopback port: the replica the streams are open on;
    profiled (cProfile, into the directory PROFILE_VARIABLE names) when that is set."""
    from app.http.server import Server, ServerLimits, config
    from app.main import create_app

    settings = settings_for(url).model_copy(
        update={"event_streams_per_key": 1000, "event_streams_per_process": 1000}
    )
    app = create_app(settings, database_url=url)
    server = Server(config(app, host="127.0.0.1", port=port, limits=ServerLimits()))
    profile = os.environ.get(PROFILE_VARIABLE)
    if not profile:
        server.run()
        return
    import cProfile
    import signal

    # Where the server's time goes, written out when it stops (the round's end). uvicorn
    # raises the SIGTERM it stopped on again once it has stopped: this process ignores it
    # then, so that it lives to write the profile.
    signal.signal(signal.SIGTERM, lambda *_: None)
    with cProfile.Profile(time.process_time) as profiler:  # CPU, not waits
        server.run()
    profiler.dump_stats(f"{profile}/stream-server-{port}.prof")


# The stream server of a checkout (this one, or another to compare with): its own
# `bench/events.py` serves, with its own `app` package first on the path.
SERVE = """
import sys
root = sys.argv[1]
sys.path[:0] = [root, root + "/bench"]
import app, events
assert app.__file__.startswith(root), app.__file__
events.stream_server_process(sys.argv[2], int(sys.argv[3]))
"""


def stream_clients_process(
    port: int, secret: str, streams: int, ready_file: str, log_file: str
) -> None:
    """`streams` event streams (from now on); each `ticket.created` that arrives is logged with
    the stream, the ticket and the moment. A line-oriented reader: the SSE blocks' `data:` line
    is one JSON object."""
    out = open(log_file, "ab", buffering=0)
    # Arrivals are timed as read, and written out together every 50 ms: a write per event and
    # stream would make this process, not the server, the slowest part of the measurement.
    arrivals: list[str] = []

    async def one(n: int, started: asyncio.Queue[int]) -> None:
        # A stream refused while 200 open at once on a loaded machine (a 503: the server's
        # pool was busy) is opened again, a bounded number of times.
        for _ in range(OPEN_ATTEMPTS):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                f"GET /v1/events/stream?type=ticket.created HTTP/1.1\r\nHost: bench\r\n"
                f"Authorization: Bearer {secret}\r\n\r\n".encode()
            )
            await writer.drain()
            if (await reader.readline()).split(b" ")[1] == b"200":
                break
            writer.close()
            await asyncio.sleep(0.5)
        else:
            raise RuntimeError(f"stream {n} was refused {OPEN_ATTEMPTS} times")
        announced = False
        rest = b""
        # Read what has arrived and split it here (a coroutine per line costs too much).
        while chunk := await reader.read(1 << 16):
            at = time.time()
            *lines, rest = (rest + chunk).split(b"\n")
            for line in lines:
                if line.startswith(b"data: "):
                    arrivals.append(f"{n} {orjson.loads(line[6:])['ticket_id']} {at}\n")
                elif line.startswith(b"id: ") and not announced:
                    announced = True  # the stream's start: it is open and following
                    await started.put(n)

    async def write_out() -> None:
        while True:
            await asyncio.sleep(0.05)
            if arrivals:
                lines = "".join(arrivals)
                arrivals.clear()
                out.write(lines.encode())

    async def main() -> None:
        started: asyncio.Queue[int] = asyncio.Queue()
        tasks = [asyncio.create_task(one(n, started)) for n in range(streams)]
        for _ in range(streams):
            await started.get()
        await asyncio.to_thread(Path(ready_file).write_text, "ready")
        await asyncio.gather(write_out(), *tasks)

    try:
        import uvloop  # the server's own loop (uvicorn takes it when installed)
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())


@dataclass(frozen=True)
class Round:
    """One stream round's figures: latencies from commit to arrival, whether each arrival came
    exactly once, and the CPU the stream server's process used while the events went out."""

    p50: float
    p99: float
    once: bool
    events: int  # tickets committed: one event each, to every stream
    deliveries: int  # arrivals counted on all the streams
    # The clients' reads that brought events: each event a server's write carries arrives in
    # one read, so reads ≤ writes; fewer than deliveries when a write carried several events.
    reads: int
    server_cpu: float  # seconds, from the first write to the last arrival
    server_system: float  # the part of it spent in the kernel (socket writes, wake-ups)
    clients_cpu: float
    load: str  # the load average at the round's end

    @property
    def cpu_per_event_ms(self) -> float:
        return self.server_cpu / self.events * 1000

    @property
    def cpu_per_delivery_us(self) -> float:
        return self.server_cpu / self.deliveries * 1e6

    @property
    def cpu_per_read_us(self) -> float:
        return self.server_cpu / self.reads * 1e6


async def stream_latency(server_url: str, a: argparse.Namespace, tmp: str) -> None:
    """Commit → arrival on each of `a.streams` streams, with 3 writers creating tickets; with
    `--against`, rounds alternate between this checkout's stream server and the other's, on
    the same database and load, so that their ratio holds on a shared machine."""
    url = await harness.fresh_database(server_url, "bench_events_stream")
    servers = [("this checkout", str(ROOT))]
    if a.against:
        servers.append(("--against", a.against))
    rounds: dict[str, list[Round]] = {name: [] for name, _ in servers}
    async with api(url) as client:
        secret = client.headers["Authorization"].removeprefix("Bearer ")
        for n in range(a.stream_rounds):
            for name, root in servers if n % 2 == 0 else servers[::-1]:
                r = await stream_round(url, client, secret, root, a, tmp, n)
                rounds[name].append(r)
                print(
                    f"event stream, {name}, round {n + 1}: {a.streams} streams, "
                    f"{r.events} tickets ({a.stream_rate:.0f}/s offered), {r.deliveries} "
                    f"arrivals, each exactly once: {r.once}; commit → stream p50 "
                    f"{r.p50 * 1000:.0f} ms, p99 {r.p99 * 1000:.0f} ms; stream server CPU "
                    f"{r.server_cpu:.2f} s ({r.server_system:.2f} s of it in the kernel): "
                    f"{r.cpu_per_event_ms:.1f} ms per event, "
                    f"{r.cpu_per_delivery_us:.0f} µs per delivery, {r.cpu_per_read_us:.0f} µs "
                    f"per read with events ({r.deliveries / r.reads:.2f} events per read; "
                    f"clients' process "
                    f"{r.clients_cpu:.2f} s); load average {r.load}",
                    flush=True,
                )
    for name, done in rounds.items():
        p99 = statistics.median(r.p99 for r in done)
        per_delivery = statistics.median(r.cpu_per_delivery_us for r in done)
        per_read = statistics.median(r.cpu_per_read_us for r in done)
        print(
            f"event stream, {name}: median p99 {p99 * 1000:.0f} ms over {len(done)} rounds "
            f"(target p99 ≤ {TARGET_STREAM_P99_S * 1000:.0f} ms: "
            f"{p99 / TARGET_STREAM_P99_S:.2f}× the target, "
            f"{'PASS' if p99 <= TARGET_STREAM_P99_S else 'MISS'}); median stream server CPU "
            f"{per_delivery:.0f} µs per delivery, {per_read:.0f} µs per read with events"
        )
    if a.against:
        ours, theirs = rounds.values()
        p99_ratio = statistics.median(r.p99 for r in ours) / statistics.median(
            r.p99 for r in theirs
        )
        cpu_ratio = statistics.median(r.cpu_per_delivery_us for r in ours) / statistics.median(
            r.cpu_per_delivery_us for r in theirs
        )
        read_ratio = statistics.median(r.cpu_per_read_us for r in ours) / statistics.median(
            r.cpu_per_read_us for r in theirs
        )
        print(
            f"event stream, this checkout / --against: p99 {p99_ratio:.2f}×, "
            f"stream server CPU per delivery {cpu_ratio:.2f}×, per read {read_ratio:.2f}×"
        )


async def stream_round(
    url: str,
    client: httpx.AsyncClient,
    secret: str,
    root: str,
    a: argparse.Namespace,
    tmp: str,
    n: int,
) -> Round:
    """One round: the stream server of the checkout at `root` started, `a.streams` streams
    opened on it, `a.stream_tickets` tickets written."""
    ctx = multiprocessing.get_context("spawn")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SERVE,
        root,
        url,
        str(port),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=open(f"{tmp}/server-{port}.log", "wb"),  # noqa: ASYNC230
    )
    clients = None
    try:
        async with asyncio.timeout(120):
            while True:
                if server.returncode is not None:
                    raise RuntimeError(f"the stream server ended: see {tmp}/server-{port}.log")
                with contextlib.suppress(OSError):
                    _, w = await asyncio.open_connection("127.0.0.1", port)
                    w.close()
                    break
                await asyncio.sleep(0.1)
        ready_file, log_file = f"{tmp}/streams-ready-{port}", f"{tmp}/streamed-{port}"
        clients = ctx.Process(
            target=stream_clients_process,
            args=(port, secret, a.streams, ready_file, log_file),
            daemon=True,
        )
        clients.start()
        async with asyncio.timeout(120):
            while not await asyncio.to_thread(Path(ready_file).exists):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        say(f"round {n + 1}, {root}: {a.streams} streams open")
        server_proc, clients_proc = psutil.Process(server.pid), psutil.Process(clients.pid)
        cpu_before = harness.cpu_seconds(server_proc), harness.cpu_seconds(clients_proc)
        system_before = server_proc.cpu_times().system

        committed: dict[int, float] = {}
        interval = 3 / a.stream_rate  # each of 3 writers

        async def writer(n: int) -> None:
            next_at = time.perf_counter() + n * interval / 3
            for _ in range(a.stream_tickets // 3):
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                next_at += interval
                r = await client.post("/v1/tickets", json={"subject": "stream", "channel": "api"})
                assert r.status_code == 201, r.text
                committed[r.json()["id"]] = time.time()

        await asyncio.gather(*(writer(n) for n in range(3)))
        expected = len(committed) * a.streams
        async with asyncio.timeout(60):
            while True:
                got = await asyncio.to_thread(receipts_of_streams, log_file)
                if len(got) >= expected:
                    break
                await asyncio.sleep(0.2)
        server_cpu = harness.cpu_seconds(server_proc) - cpu_before[0]
        clients_cpu = harness.cpu_seconds(clients_proc) - cpu_before[1]
        server_system = server_proc.cpu_times().system - system_before
    finally:
        if clients is not None:
            clients.terminate()
            clients.join(5)
        with contextlib.suppress(ProcessLookupError):
            server.terminate()
        await server.wait()
    latencies = [at - committed[t] for _, t, at in got if t in committed]
    once = len({(n, t) for n, t, _ in got}) == len(got) == expected
    return Round(
        p50=harness.percentile(latencies, 50),
        p99=harness.percentile(latencies, 99),
        once=once,
        events=len(committed),
        deliveries=len(got),
        reads=len({(n, at) for n, _, at in got}),  # one moment per stream and read
        server_cpu=server_cpu,
        server_system=server_system,
        clients_cpu=clients_cpu,
        load=harness.load_average(),
    )


def receipts_of_streams(log_file: str) -> list[tuple[int, int, float]]:
    rows = []
    with contextlib.suppress(FileNotFoundError):
        for line in Path(log_file).read_text().splitlines():
            n, t, at = line.split()
            rows.append((int(n), int(t), float(at)))
    return rows


# --------------------------------------------------------------------------- load


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
    server_url, stop_server = harness.open_server("events")
    ctx = multiprocessing.get_context("spawn")
    procs: list[Any] = []
    tmp = tempfile.mkdtemp(prefix="bench-events-")
    say(f"load average at the start: {harness.load_average()}")
    if a.streams_only:
        try:
            await stream_latency(server_url, a, tmp)
        finally:
            await asyncio.to_thread(stop_server)
        print(f"wall {time.monotonic() - started:.0f} s")
        return
    try:
        # 1. create throughput (median of rounds). The ticket's event is written by the
        # ticket's own INSERT statement: there is no create without it left to compare with.
        url = await harness.fresh_database(server_url, "bench_events_create")
        async with api(url) as client:
            await create_throughput(client, 300, a.concurrency)  # warm up
            rates = [
                await create_throughput(client, a.creates, a.concurrency) for _ in range(a.rounds)
            ]
        w = statistics.median(rates)
        say(f"creates/s {w:.0f}")

        # 2. deliveries: 3 subscriptions, changes at a steady rate, the worker running
        url = await harness.fresh_database(server_url, "bench_events_delivery")
        port_file, log_file = f"{tmp}/port", f"{tmp}/received"
        receiver = ctx.Process(target=receiver_process, args=(port_file, log_file), daemon=True)
        receiver.start()
        procs.append(receiver)
        while not await asyncio.to_thread(Path(port_file).exists):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        port = int(await asyncio.to_thread(Path(port_file).read_text))
        async with api(url) as client:
            for n in range(SUBSCRIPTIONS):
                r = await client.post(
                    "/v1/webhooks",
                    json={"url": f"http://127.0.0.1:{port}/s{n}", "event_types": TYPES},
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
            latencies = [at - committed[(t, v)] for _, t, v, _, at in got if (t, v) in committed]
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
        for p in procs:
            p.terminate()
            p.join(5)
        procs.clear()

        # 4. the live event stream
        await stream_latency(server_url, a, tmp)
    finally:
        for p in procs:
            with contextlib.suppress(Exception):
                p.terminate()
                p.join(5)
        await asyncio.to_thread(stop_server)

    p50 = harness.percentile(latencies, 50)
    p99 = harness.percentile(latencies, 99)
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
        f"max {max(latencies) * 1000:.0f} ms  (target p99 ≤ {TARGET_P99_S * 1000:.0f} ms: "
        f"{'PASS' if p99 <= TARGET_P99_S else 'MISS'})"
    )
    print(
        f"creates/s, each with its event in the same statement: {w:.0f} "
        f"({a.concurrency} clients, median of {a.rounds} rounds)"
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
    p.add_argument("--streams", type=int, default=200, help="event streams open at once")
    p.add_argument("--stream-tickets", type=int, default=300, help="tickets created, 3 writers")
    p.add_argument("--stream-rate", type=float, default=15.0, help="tickets per second offered")
    p.add_argument("--stream-rounds", type=int, default=1, help="rounds per stream server")
    p.add_argument(
        "--against",
        help="another checkout's directory: stream rounds alternate between its stream server "
        "and this one's (e.g. `git worktree add /tmp/base <commit>`)",
    )
    p.add_argument("--streams-only", action="store_true", help="the event stream part alone")
    p.add_argument(
        "--profile-streams",
        metavar="DIR",
        help="profile this checkout's stream server (cProfile) into DIR, a file per round",
    )
    p.add_argument("--quick", action="store_true", help="a smoke run: 1,000 changes")
    a = p.parse_args()
    if a.against:
        a.against = str(Path(a.against).resolve())
    if a.profile_streams:
        os.environ[PROFILE_VARIABLE] = str(Path(a.profile_streams).resolve())
    if a.quick:
        a.changes, a.backlog, a.creates, a.rounds = 1_000, 300, 300, 1
    asyncio.run(run(a))


if __name__ == "__main__":
    main()
