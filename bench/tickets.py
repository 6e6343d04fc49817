"""Ticket API benchmark: the service against a one-query FastAPI + asyncpg reference, on loopback.

Both apps run side by side with the same settings; every phase runs for a fixed time after a
warm-up, over a fixed number of keep-alive connections, driven by wrk and the scripts in
bench/wrk/ (on a 2-core machine a Python driver would take CPU from the servers it measures; it
is only the fallback when wrk is missing). PATCH and interaction phases have no reference: they
are compared with the service's own create in the same run.

Beside throughput and latency each phase reports the CPU time spent per successful request (user +
system, from /proc) by the app's server process tree and by PostgreSQL's processes (the embedded
server's postmaster and everything under it, reaped children included): the measure that holds on
a shared machine where wall-clock throughput moves with the neighbours' load. A run is 12 phases
of (warm-up + measured) seconds, 13 s each by default, after migrating a database and before
loading the list phases' 100,000 tickets: some 4 minutes on a quiet 2-core machine (up to 8 on a
loaded one); --quick (2 s phases, 2,000 tickets) about 1.

What every bench shares comes from bench/harness.py: the PostgreSQL server, the fresh migrated
database, percentiles and a process tree's CPU time. Beyond that the bench reaches the service
only through the HTTP API and the tables it writes with SQL (api_keys, tickets).
"""

import argparse
import asyncio
import contextlib
import gc
import hashlib
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import psutil  # noqa: E402

from bench import harness  # noqa: E402
from bench.loadgen import Connection, Response  # noqa: E402

WRK_SCRIPTS = BENCH / "wrk"
SERVICE_PORT, REFERENCE_PORT = 18081, 18082
# The service's settings for the bench: the per-key rate limit (a setting that versions without
# one ignore) is off, since the bench measures the work behind each request, not the limiter.
SERVICE_ENVIRONMENT = {"HELPDESK_LOG_LEVEL": "WARNING", "HELPDESK_RATE_LIMIT_PER_MINUTE": "0"}


# ---- the database: harness's server and fresh migrated database, then asyncpg and SQL ----------


async def fresh_databases(url: str) -> tuple[str, str]:
    """The service's database, fresh and migrated, and the reference's, fresh and empty (the
    reference app creates its one table)."""
    service = await harness.fresh_database(url, "bench_service")
    reference = await harness.fresh_database(url, "bench_reference", migrated=False)
    return service, reference


async def admin_key(url: str) -> str:
    """A new admin API key: only its SHA-256 is stored, as the service stores its own keys."""
    secret = "hd_" + secrets.token_urlsafe(32)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO api_keys (name, role, prefix, key_hash, created_at)"
            " VALUES ('bench', 'admin', $1, $2, now())",
            secret[:10],
            hashlib.sha256(secret.encode()).hexdigest(),
        )
    finally:
        await conn.close()
    return secret


async def id_range(url: str) -> tuple[int, int]:
    """The ids of the tickets the create phases made (the only tickets before the bulk load)."""
    conn = await asyncpg.connect(url)
    try:
        lo, hi = await conn.fetchrow("SELECT min(id), max(id) FROM tickets")
    finally:
        await conn.close()
    return lo, hi


SERVICE_TICKET_COLUMNS = [
    "subject", "type", "status", "impact", "urgency", "priority", "priority_reason", "tags",
    "channel", "tier", "created_at", "updated_at", "reopen_count", "agent_reply_count",
    "customer_reply_count", "interaction_count", "version", "status_log", "sla_policy_id",
    "sla_paused", "sla_breached",
]  # fmt: skip


async def bulk_load(service_url: str, reference_url: str, rows: int) -> None:
    """`rows` tickets in both databases via COPY, created over the last 90 days."""
    now = datetime.now(UTC)
    statuses = ["new", "open", "open", "pending", "resolved", "closed"]
    created = [now - timedelta(seconds=random.randint(0, 90 * 86400)) for _ in range(rows)]
    svc = await asyncpg.connect(service_url)
    try:
        records = [
            (f"Imported {i}", "incident", statuses[i % 6], "user", "medium", "medium",
             "impact=user × urgency=medium → medium", ["import"], "email", 1, at, at, 0, 0, 0, 0,
             1, json.dumps([[at.isoformat(), "new"]]), 1, False, False)
            for i, at in enumerate(created)
        ]  # fmt: skip
        await svc.copy_records_to_table("tickets", records=records, columns=SERVICE_TICKET_COLUMNS)
        await svc.execute("VACUUM ANALYZE tickets")
    finally:
        await svc.close()
    ref = await asyncpg.connect(reference_url)
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


# ---- the two apps ------------------------------------------------------------------------------


def service_target() -> list[str]:
    """How uvicorn builds the service: the factory in bench/service_app.py, which is the only
    code here that calls the app's Python API (create_app's signature may change)."""
    return ["service_app:service", "--factory"]


def start_server(
    target: list[str], port: int, env: dict[str, str], workers: int
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", *target, "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--no-access-log", "--app-dir", str(BENCH), "--workers", str(workers),
    ]  # fmt: skip
    return subprocess.Popen(command, env=os.environ | env, cwd=ROOT)


async def wait_ready(port: int, path: str) -> None:
    # Up to 90 s: on a loaded shared machine importing the app alone can take half a minute.
    async with httpx.AsyncClient() as client:
        for _ in range(1800):
            try:
                if (await client.get(f"http://127.0.0.1:{port}{path}")).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


@dataclass(frozen=True)
class App:
    name: str  # "service" or "reference"
    port: int
    tickets: str  # the tickets collection's path
    auth: str = ""  # the Authorization header, if any

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self.auth} if self.auth else {}


# ---- phases and the two drivers ----------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    name: str
    app: App
    script: str  # bench/wrk/<script>.lua, or its Python twin in PYTHON_SCRIPTS
    path: str
    settings: dict[str, str] = field(default_factory=dict)  # BENCH_* for the script


@dataclass(frozen=True)
class Result:
    requests: int  # answered
    seconds: float
    p50: float  # ms, over every answered request
    p99: float
    ok: int  # 2xx
    stale: int  # 412: the If-Match named an older version
    failed: int  # any other status
    socket_errors: int = 0  # connect, read and write errors and timeouts: no status at all
    app_us: float | None = None  # CPU µs per successful request: the app's process tree
    db_us: float | None = None  # and PostgreSQL's processes (None: not measurable here)

    @property
    def rps(self) -> float:
        """Successful requests per second: a 412 or an error is no throughput."""
        return self.ok / self.seconds


class Wrk:
    def __init__(self, executable: str, connections: int) -> None:
        self.executable, self.connections = executable, connections
        version = subprocess.run([executable, "-v"], capture_output=True, text=True)
        self.version = (version.stdout + version.stderr).split("Copyright")[0].strip()

    def describe(self) -> str:
        c = self.connections
        return f"wrk ({self.version}), {c} connections on {c} threads (one connection each)"

    def run(self, phase: Phase, seconds: float) -> Result:
        c = str(self.connections)
        env = os.environ | phase.settings | {
            "BENCH_AUTH": phase.app.auth, "BENCH_PATH": phase.path, "BENCH_THREADS": c,
        }  # fmt: skip
        command = [
            self.executable, "-t", c, "-c", c, "-d", f"{max(1, round(seconds))}s", "--timeout", "5s",
            "-s", str(WRK_SCRIPTS / f"{phase.script}.lua"), f"http://127.0.0.1:{phase.app.port}/",
        ]  # fmt: skip
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=seconds + 60
        )
        lines = [x for x in done.stdout.splitlines() if x.startswith("BENCH_RESULT ")]
        if done.returncode != 0 or not lines:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
        r = json.loads(lines[-1].removeprefix("BENCH_RESULT "))
        socket_errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
        if r["counted"]:
            ok, stale, failed = r["ok"], r["stale"], r["failed"]
        else:
            ok, stale, failed = r["requests"] - r["non2xx"], 0, r["non2xx"]
        return Result(
            requests=r["requests"], seconds=r["duration_us"] / 1e6, p50=r["p50_us"] / 1000,
            p99=r["p99_us"] / 1000, ok=ok, stale=stale, failed=failed,
            socket_errors=socket_errors,
        )  # fmt: skip


# The Python twins of the wrk scripts: lane `lane` of `lanes` → the next request on a connection.
Send = Callable[[Connection], Awaitable[Response]]


def py_create(phase: Phase, lane: int, lanes: int) -> Send:
    n = 0

    async def send(c: Connection) -> Response:
        nonlocal n
        n += 1
        return await c.request("POST", phase.path, ticket_body(n * lanes + lane))

    return send


def py_get_one(phase: Phase, lane: int, lanes: int) -> Send:
    lo, hi = int(phase.settings["BENCH_LO"]), int(phase.settings["BENCH_HI"])
    return lambda c: c.request("GET", f"{phase.path}/{random.randint(lo, hi)}")


def py_page(phase: Phase, lane: int, lanes: int) -> Send:
    return lambda c: c.request("GET", phase.path)


def py_patch(phase: Phase, lane: int, lanes: int) -> Send:
    lines = Path(phase.settings["BENCH_VERSIONS"]).read_text().splitlines()
    etags = dict(x.split(" ", 1) for i, x in enumerate(lines) if i % lanes == lane)
    ids, visits = list(etags), dict.fromkeys(etags, 0)
    turn = 0

    async def send(c: Connection) -> Response:
        nonlocal turn
        live = [i for i in ids if i in etags] or ids
        ticket = live[turn % len(live)]
        turn += 1
        visits[ticket] += 1
        body = {
            "urgency": "high" if visits[ticket] % 2 else "low",
            "subject": f"Printer jams on floor 3 (edit {visits[ticket]})",
        }
        r = await c.request(
            "PATCH", f"{phase.path}/{ticket}", body, {"If-Match": etags.get(ticket, '"0"')}
        )
        if r.status_code == 200:
            etags[ticket] = r.headers.get("etag", etags[ticket])
        elif r.status_code == 412:
            etags.pop(ticket, None)
        return r

    return send


INTERACTIONS = {
    "note": {
        "kind": "note", "direction": "internal", "public": False,
        "body": "Checked the spooler log: paper feed sensor 2 reports a jam on every second sheet.",
    },
    "email": {
        "kind": "email", "direction": "outbound", "public": True,
        "body": "Hello, a technician will replace the feed roller this afternoon. Regards, the help desk.",
    },
}  # fmt: skip


def py_interaction(phase: Phase, lane: int, lanes: int) -> Send:
    lo, hi = int(phase.settings["BENCH_LO"]), int(phase.settings["BENCH_HI"])
    body = INTERACTIONS[phase.settings["BENCH_KIND"]]
    ticket = lo + lane - lanes

    async def send(c: Connection) -> Response:
        nonlocal ticket
        ticket += lanes
        if ticket > hi:
            ticket = lo + lane
        return await c.request("POST", f"{phase.path}/{ticket}/interactions", body)

    return send


PYTHON_SCRIPTS: dict[str, Callable[[Phase, int, int], Send]] = {
    "create": py_create, "get_one": py_get_one, "page": py_page, "patch": py_patch,
    "interaction": py_interaction,
}  # fmt: skip


class PythonDriver:
    MAX_REQUESTS = 500_000  # per phase: bounded in count as well as in time

    def __init__(self, connections: int, why: str) -> None:
        self.connections, self.why = connections, why

    def describe(self) -> str:
        return f"Python fallback (bench/loadgen.py; {self.why}), {self.connections} connections"

    def run(self, phase: Phase, seconds: float) -> Result:
        return asyncio.run(self._run(phase, seconds))

    async def _run(self, phase: Phase, seconds: float) -> Result:
        latencies: list[float] = []
        counts = {"ok": 0, "stale": 0, "failed": 0, "socket_errors": 0}
        sent = 0
        deadline = time.perf_counter() + seconds

        async def lane(index: int) -> None:
            nonlocal sent
            connection = Connection("127.0.0.1", phase.app.port, phase.app.headers)
            send = PYTHON_SCRIPTS[phase.script](phase, index, self.connections)
            try:
                while time.perf_counter() < deadline and sent < self.MAX_REQUESTS:
                    sent += 1
                    started = time.perf_counter()
                    try:
                        status = (await send(connection)).status_code
                    except (OSError, EOFError, ValueError, IndexError):
                        # A closed or broken connection: count it, reconnect, go on (as wrk does).
                        counts["socket_errors"] += 1
                        await connection.close()
                        connection = Connection("127.0.0.1", phase.app.port, phase.app.headers)
                        continue
                    latencies.append((time.perf_counter() - started) * 1000)
                    kind = "ok" if status < 300 else "stale" if status == 412 else "failed"
                    counts[kind] += 1
            finally:
                await connection.close()

        # The driver's collector must not pause every lane at once mid-phase.
        gc.collect()
        gc.disable()
        started = time.perf_counter()
        try:
            await asyncio.gather(*[lane(i) for i in range(self.connections)])
        finally:
            elapsed = time.perf_counter() - started
            gc.enable()
        p50, p99 = (harness.percentile(latencies, p) for p in (50, 99))
        return Result(len(latencies), elapsed, p50, p99, **counts)


Driver = Wrk | PythonDriver


# ---- CPU time: harness's, of a process tree ------------------------------------------------------


def tree_seconds(roots: dict[str, int | None]) -> dict[str, float | None]:
    """CPU seconds used so far by each root process and every process under it, the children
    each has waited for included (PostgreSQL's ended backends)."""
    used: dict[str, float | None] = {}
    for name, root in roots.items():
        try:
            used[name] = (
                None if root is None else harness.cpu_seconds(psutil.Process(root), reaped=True)
            )
        except psutil.NoSuchProcess:
            used[name] = None
    return used


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


async def read_etags(app: App, ids: list[int], path: Path) -> int:
    """GET each ticket once and write "id etag" lines, the versions the PATCH phase starts from:
    how many were read."""
    queue = iter(ids)
    lines: dict[int, str] = {}

    async def lane() -> None:
        connection = Connection("127.0.0.1", app.port, app.headers)
        try:
            for ticket in queue:
                r = await connection.request("GET", f"{app.tickets}/{ticket}")
                if r.status_code == 200 and "etag" in r.headers:
                    lines[ticket] = r.headers["etag"]
        finally:
            await connection.close()

    await asyncio.gather(*[lane() for _ in range(8)])
    text = "".join(f"{t} {lines[t]}\n" for t in ids if t in lines)
    await asyncio.to_thread(path.write_text, text)
    return len(lines)


# ---- the run -----------------------------------------------------------------------------------


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "unknown"


def revision() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=10,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "app"],
            capture_output=True, text=True, timeout=10,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + (" + uncommitted changes in app/" if dirty else "")


def us(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


class Bench:
    def __init__(
        self, driver: Driver, seconds: float, warmup: float, processes: dict[str, int | None]
    ) -> None:
        """`processes`: the root pid of each app's server ("service", "reference") and of
        PostgreSQL ("database"), whose CPU each measured run is charged."""
        self.driver, self.seconds, self.warmup = driver, seconds, warmup
        self.processes = processes
        self.results: dict[tuple[str, str], Result] = {}

    def run(self, phase: Phase, warmup: Phase | None = None) -> Result:
        """A warm-up (each pooled connection prepares its statements), then the measured run,
        with the CPU the app and the database spent on it."""
        if self.warmup > 0:
            self.driver.run(warmup or phase, self.warmup)
        load = loadavg().split()[0]
        roots = {"app": self.processes.get(phase.app.name), "db": self.processes.get("database")}
        before = tree_seconds(roots)
        r = self.driver.run(phase, self.seconds)
        after = tree_seconds(roots)

        def per_request(name: str) -> float | None:
            b, a = before[name], after[name]
            return None if a is None or b is None or not r.ok else (a - b) / r.ok * 1e6

        r = replace(r, app_us=per_request("app"), db_us=per_request("db"))
        self.results[(phase.name, phase.app.name)] = r
        print(
            f"  {phase.name:<28} {phase.app.name:<9} {r.rps:>7.0f} req/s  p50 {r.p50:6.1f} ms  "
            f"p99 {r.p99:6.1f} ms  CPU/request app {us(r.app_us)} µs, db {us(r.db_us)} µs  "
            f"ok {r.ok}  412 {r.stale}  failed {r.failed}"
            + (f" + {r.socket_errors} socket errors" if r.socket_errors else "")
            + f"  (load {load})",
            flush=True,
        )
        return r


async def main(args: argparse.Namespace) -> None:
    wrk = shutil.which("wrk")
    driver: Driver = (
        Wrk(wrk, args.connections)
        if wrk and args.driver != "python"
        else PythonDriver(args.connections, "--driver python" if wrk else "wrk not found")
    )
    if args.driver == "wrk" and not isinstance(driver, Wrk):
        raise SystemExit("--driver wrk, but wrk is not installed (apt-get install wrk)")
    print(f"ticket API benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {ROOT} at {revision()}")
    print(f"load average at start: {loadavg()}  ({os.cpu_count()} CPUs)")
    print(f"driver: {driver.describe()}")
    print(
        f"settings: {args.seconds:g} s per phase after a {args.warmup:g} s warm-up, loopback, "
        f"{args.workers} uvicorn worker process(es) per app, both apps the same"
    )

    url, stop_server = harness.open_server("tickets")
    service_db, reference_db = await fresh_databases(url)
    key = await admin_key(service_db)
    processes = [
        start_server(
            service_target(), SERVICE_PORT,
            SERVICE_ENVIRONMENT | {"DATABASE_URL": service_db}, args.workers,
        ),
        start_server(
            ["reference_app:app"], REFERENCE_PORT,
            {"REFERENCE_DATABASE_URL": reference_db}, args.workers,
        ),
    ]  # fmt: skip
    scratch = Path(tempfile.mkdtemp(prefix="bench-tickets-"))
    try:
        await wait_ready(SERVICE_PORT, "/readyz")
        await wait_ready(REFERENCE_PORT, "/tickets?limit=1")
        service = App("service", SERVICE_PORT, "/v1/tickets", f"Bearer {key}")
        reference = App("reference", REFERENCE_PORT, "/tickets")
        apps = (service, reference)
        bench = Bench(
            driver,
            args.seconds,
            args.warmup,
            {
                "service": processes[0].pid,
                "reference": processes[1].pid,
                "database": await harness.postmaster_pid(service_db),
            },
        )
        # Each Bench.run is blocking (wrk in a subprocess, or its own event loop for the Python
        # driver), so it runs in a thread: this loop's own connections stay untouched meanwhile.
        run = lambda *a: asyncio.to_thread(bench.run, *a)  # noqa: E731

        print("\nphase                          app        throughput  latency")
        for app in apps:
            await run(Phase("create", app, "create", app.tickets))
        # The same creates, routed by the last of 20 rules to a round-robin team.
        await routing_setup(service)
        await run(Phase(ROUTED_CREATE, service, "create", service.tickets))
        ranges = {
            "service": await id_range(service_db),
            "reference": await id_range(reference_db),
        }
        for app in apps:
            lo, hi = ranges[app.name]
            bounds = {"BENCH_LO": str(lo), "BENCH_HI": str(hi)}
            await run(Phase("get one", app, "get_one", app.tickets, bounds))

        # PATCH: each connection owns its tickets (see wrk/patch.lua), starting from ETags read now;
        # the warm-up changes other tickets, so the measured run's ETags are still current.
        lo, hi = ranges["service"]
        per_connection = min(args.patch_tickets, (hi - lo + 1) // (args.connections * 2))
        measured = list(range(lo, lo + per_connection * args.connections))
        warm = list(range(lo + len(measured), min(hi + 1, lo + len(measured) * 2)))
        read = await read_etags(service, measured, scratch / "patch.txt")
        warm_read = await read_etags(service, warm, scratch / "patch-warmup.txt")
        if min(read, warm_read) < args.connections:
            print(f"  patch (If-Match): SKIPPED, ETags of only {read} + {warm_read} tickets read")
        else:
            patch = Phase(
                PATCH, service, "patch", service.tickets,
                {"BENCH_VERSIONS": str(scratch / "patch.txt")},
            )  # fmt: skip
            warmup = replace(patch, settings={"BENCH_VERSIONS": str(scratch / "patch-warmup.txt")})
            await run(patch, warmup)
            print(f"  (patch: {read} tickets, {per_connection} per connection)")
        bounds = {"BENCH_LO": str(lo), "BENCH_HI": str(hi)}
        for kind, label in (("note", NOTE), ("email", EMAIL)):
            await run(
                Phase(label, service, "interaction", service.tickets, bounds | {"BENCH_KIND": kind})
            )

        print(f"\nloading {args.list_rows:,} tickets into both databases ...", flush=True)
        await bulk_load(service_db, reference_db, args.list_rows)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{SERVICE_PORT}", headers=service.headers
        ) as client:
            page = (await client.get("/v1/tickets", params={"limit": 50})).json()
            page2 = (
                await client.get("/v1/tickets", params={"limit": 50, "cursor": page["next_cursor"]})
            ).json()
        third = page2["next_cursor"]
        lists = [
            Phase("list first page", service, "page", "/v1/tickets?limit=50"),
            Phase("list first page", reference, "page", "/tickets?limit=50"),
            Phase("list status=open first page", service, "page", "/v1/tickets?limit=50&status=open"),
            Phase("list third page (cursor)", service, "page", f"/v1/tickets?limit=50&cursor={third}"),
        ]  # fmt: skip
        print(f"list pages at {args.list_rows:,} (+ the created) tickets, limit 50")
        for phase in lists:
            await run(phase)
        report(bench.results, args)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(scratch, ignore_errors=True)
        for name in ("bench_service", "bench_reference"):
            await harness.drop_database(url, name)
        stop_server()
        print(f"load average at end: {loadavg()}")


ROUTED_CREATE = "create, 20 rules + round robin"
PATCH = "patch (If-Match)"
NOTE = "interaction: internal note"
EMAIL = "interaction: public email"
# The writes agents make far more often than creates: each is held to the create's throughput.
WRITE_PATHS = (PATCH, NOTE, EMAIL)


async def routing_setup(service: App, rules: int = 20, agents: int = 4) -> None:
    """`rules` routing rules, of which only the last matches the bench's tickets (tag "printer"),
    routing them to a round-robin team of `agents` agents."""
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{SERVICE_PORT}", headers=service.headers
    ) as client:

        async def made(path: str, body: dict[str, object]) -> dict[str, object]:
            answer = await client.post(path, json=body)
            assert answer.status_code == 201, answer.text
            return dict(answer.json())

        team = await made("/v1/teams", {"name": "Printers", "assignment": "round_robin"})
        other = await made("/v1/teams", {"name": "Elsewhere"})
        for n in range(agents):
            await made(
                "/v1/agents",
                {"name": f"Printer agent {n}", "email": f"printer{n}@desk.example.com",
                 "team_id": team["id"], "languages": ["en"]},
            )  # fmt: skip
        misses: list[dict[str, object]] = [
            {"category_prefix": f"area-{n}"} if n % 3 == 0
            else {"languages": ["de"], "tags": [f"tag-{n}"]} if n % 3 == 1
            else {"channels": ["phone"], "priorities": ["critical"]}
            for n in range(rules - 1)
        ]  # fmt: skip
        for n, conditions in enumerate(misses):
            await made(
                "/v1/routing-rules",
                {"name": f"miss {n}", "position": n, "team_id": other["id"],
                 "conditions": conditions},
            )  # fmt: skip
        await made(
            "/v1/routing-rules",
            {"name": "printers", "position": rules, "team_id": team["id"],
             "conditions": {"tags": ["printer"]}},
        )  # fmt: skip


def report(results: dict[tuple[str, str], Result], args: argparse.Namespace) -> None:
    print(
        f"\nsummary ({args.connections} connections)          service                 "
        "reference               service/reference"
    )
    print(
        f"  {'phase':<30} {'req/s':>7} {'p50':>6} {'p99':>6}   {'req/s':>7} {'p50':>6} {'p99':>6}"
        f"   {'req/s':>5} {'p50':>5} {'p99':>5}"
    )
    for phase in dict.fromkeys(name for name, _ in results):
        s, r = results[(phase, "service")], results.get((phase, "reference"))
        row = f"  {phase:<30} {s.rps:>7.0f} {s.p50:>6.1f} {s.p99:>6.1f}"
        if phase in WRITE_PATHS:
            create = results[("create", "service")]
            row += f"   (no reference; {s.rps / create.rps:.2f}× the create's throughput)"
        elif r is None:
            row += "   (no reference)"
        else:
            row += f"   {r.rps:>7.0f} {r.p50:>6.1f} {r.p99:>6.1f}"
            row += f"   {s.rps / r.rps:>5.2f} {s.p50 / r.p50:>5.2f} {s.p99 / r.p99:>5.2f}"
        print(row)

    print("\nCPU per successful request, µs (user + system: the app's process tree; PostgreSQL's)")
    print(
        f"  {'phase':<30} {'app':>7} {'db':>7}   {'app':>7} {'db':>7}   {'app':>5} {'db':>5}"
        "\n  " + " " * 30 + "  service             reference         service/reference"
    )
    for phase in dict.fromkeys(name for name, _ in results):
        s, r = results[(phase, "service")], results.get((phase, "reference"))
        row = f"  {phase:<30} {us(s.app_us):>7} {us(s.db_us):>7}"
        if r is not None:
            row += f"   {us(r.app_us):>7} {us(r.db_us):>7}"
            row += f"   {_ratio_text(s.app_us, r.app_us):>5} {_ratio_text(s.db_us, r.db_us):>5}"
        print(row)

    patch = results.get((PATCH, "service"))
    if patch is not None:
        print(
            f"  patch: {patch.ok} × 200, {patch.stale} × 412 (stale If-Match, not counted as "
            f"success), {patch.failed} other"
        )
    failed = {
        f"{name} {app}": f"{r.failed} non-2xx, {r.socket_errors} socket"
        for (name, app), r in results.items()
        if r.failed or r.socket_errors
    }
    if failed:
        print(f"  FAILED REQUESTS (figures above count only successes): {failed}")

    def ratio(phase: str, of: Callable[[Result], float]) -> float:
        return of(results[(phase, "service")]) / of(results[(phase, "reference")])

    def of_create(phase: str) -> float:
        if (phase, "service") not in results:
            return 0.0
        return results[(phase, "service")].rps / results[("create", "service")].rps

    create, reference = results[("create", "service")], results[("create", "reference")]
    checks: list[tuple[bool, str]] = [
        ((x := ratio("get one", lambda r: r.rps)) >= 0.8, f"get-one throughput ≥ 0.8× reference: {x:.2f}×"),
        (
            (x := routed_ratio(results)) >= 0.8,
            f"create with 20 routing rules + round robin ≥ 0.8× plain create: {x:.2f}×",
        ),
        (
            (x := ratio("list first page", lambda r: r.p99)) <= 1.0,
            f"list first page at {args.list_rows:,} p99 ≤ 1.0× reference's: {x:.2f}×",
        ),
    ]  # fmt: skip
    for phase in WRITE_PATHS:
        x = of_create(phase)
        checks.append((x >= 0.8, f"{phase} throughput ≥ 0.8× the create's: {x:.2f}×"))
    for what, limit, mine, theirs in (
        ("app", 2.0, create.app_us, reference.app_us),
        ("database", 4.0, create.db_us, reference.db_us),
    ):
        if mine is not None and theirs:
            x = mine / theirs
            checks.append((x <= limit, f"create {what} CPU ≤ {limit:g}× reference's: {x:.2f}×"))
    print("\ntargets")
    for ok, text in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {text}")


def _ratio_text(mine: float | None, theirs: float | None) -> str:
    return "n/a" if mine is None or not theirs else f"{mine / theirs:.2f}"


def routed_ratio(results: dict[tuple[str, str], Result]) -> float:
    return results[(ROUTED_CREATE, "service")].rps / results[("create", "service")].rps


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10, help="measured time per phase")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up time before each phase")
    parser.add_argument("--connections", type=int, default=16, help="the same for both apps")
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes, the same for both apps"
    )
    parser.add_argument("--list-rows", type=int, default=100_000)
    parser.add_argument(
        "--patch-tickets", type=int, default=200, help="tickets each connection patches in turn"
    )
    parser.add_argument("--driver", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.seconds, arguments.warmup, arguments.list_rows = 2, 1, 2000
    random.seed(7)
    asyncio.run(main(arguments))
