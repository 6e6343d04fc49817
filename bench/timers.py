"""Deadline-worker benchmark: fire latency, worker CPU and per-pass cost at two ticket counts."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.db import Limits, connect, libpq_url  # noqa: E402
from app.services import timer_handlers as registry  # noqa: E402
from app.services import timers as timer_schedule  # noqa: E402
from app.services.context import Desk  # noqa: E402
from app.settings import Settings  # noqa: E402
from bench import harness  # noqa: E402

PYTHON = Path(sys.executable)
BATCH = 500
CHUNK = 50_000
BACKGROUND_FROM = timedelta(hours=1)  # background timers: due from now+1 h to now+30 days
BACKGROUND_SPAN = timedelta(days=30)
TARGET_P99_MS = 1000.0
TARGET_RATIO = 1.5
# The worker's claim, as app/store/timers.py runs it (the architecture's one statement): its plan
# is what (a) and (c) measure. Kept here so the benchmark depends on no private name.
CLAIM = """
    WITH due AS (
        SELECT ticket_id, due_at FROM timers
        WHERE fired_at IS NULL AND due_at <= $1 AND ticket_id IS NOT NULL
        ORDER BY due_at
        LIMIT $2 * 4
    ),
    held AS (
        SELECT t.id FROM tickets t
        JOIN (SELECT ticket_id, min(due_at) AS first_due FROM due GROUP BY ticket_id) d
            ON d.ticket_id = t.id
        ORDER BY d.first_due, t.id
        LIMIT $2
        FOR NO KEY UPDATE OF t SKIP LOCKED
    ),
    claimed AS (
        UPDATE timers SET fired_at = $1
        WHERE id IN (
            SELECT id FROM timers
            WHERE fired_at IS NULL AND due_at <= $1
                AND (ticket_id IN (SELECT id FROM held) OR ticket_id IS NULL)
            ORDER BY due_at
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        )
        RETURNING id, ticket_id, kind, due_at, subject_id
    )
    SELECT id, ticket_id, kind, due_at, subject_id FROM claimed ORDER BY due_at, id
"""

TICKET_COLUMNS = (
    "id",
    "subject",
    "type",
    "status",
    "impact",
    "urgency",
    "priority",
    "priority_reason",
    "channel",
    "tier",
    "created_at",
    "updated_at",
    "reopen_count",
    "agent_reply_count",
    "customer_reply_count",
    "interaction_count",
    "version",
    "status_log",
    "sla_policy_id",
    "first_responded_at",
    "first_response_due_at",
    "resolution_due_at",
    "sla_due_at",
    "sla_warning_at",
    "sla_paused",
    "sla_breached",
)
TIMER_COLUMNS = ("id", "ticket_id", "kind", "due_at", "created_at")
PRIORITIES = ("critical", "high", "medium", "low")
PRIORITY_WEIGHTS = (0.05, 0.2, 0.5, 0.25)
TYPES = ("incident", "service_request", "question", "problem")
CHANNELS = ("phone", "email", "chat", "web", "api")

_workers: list[subprocess.Popen[bytes]] = []


@dataclass
class Config:
    sizes: tuple[int, ...]
    due: int
    lead: float  # seconds from worker start to the window opening
    window: float  # seconds over which the due timers fall
    reps: int
    seed: int = 20260302


@dataclass
class Result:
    n: int
    timers: int = 0
    load_s: float = 0.0
    lead_s: float = 0.0
    fired: int = 0
    sla_events: int = 0
    passes: int = 0
    cpu_startup: float = 0.0
    cpu_idle: float = 0.0
    idle_s: float = 0.0
    cpu_window: float = 0.0
    window_s: float = 0.0
    cpu_total: float = 0.0
    p50: float = float("nan")
    p99: float = float("nan")
    max: float = float("nan")
    empty_ms: float = float("nan")
    next_ms: float = float("nan")
    batch_ms: float = float("nan")
    plans: list[str] = field(default_factory=list)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- data


def _ticket(
    tid: int, created: datetime, fr_due: datetime, res_due: datetime, **over: Any
) -> tuple[Any, ...]:
    rng = random.random
    prio = random.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
    row: dict[str, Any] = {
        "id": tid,
        "subject": f"bench ticket {tid}",
        "type": TYPES[tid % len(TYPES)],
        "status": "open",
        "impact": "user" if rng() < 0.7 else "department",
        "urgency": prio,
        "priority": prio,
        "priority_reason": "matrix",
        "channel": CHANNELS[tid % len(CHANNELS)],
        "tier": 1,
        "created_at": created,
        "updated_at": created,
        "reopen_count": 0,
        "agent_reply_count": 0,
        "customer_reply_count": 1,
        "interaction_count": 1,
        "version": 1,
        "status_log": "[]",
        "sla_policy_id": 1,
        "first_responded_at": None,
        "first_response_due_at": fr_due,
        "resolution_due_at": res_due,
        "sla_due_at": fr_due,
        "sla_warning_at": None,
        "sla_paused": False,
        "sla_breached": False,
    }
    row.update(over)
    return tuple(row[c] for c in TICKET_COLUMNS)


def background_rows(
    ids: Iterator[int], t0: datetime
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Chunks of (tickets, timers): 3 pending timers each, due between t0+1 h and t0+30 days."""
    start = t0 + BACKGROUND_FROM
    span = BACKGROUND_SPAN.total_seconds()
    tickets: list[tuple[Any, ...]] = []
    timers: list[tuple[Any, ...]] = []
    timer_id = 0
    for tid in ids:
        created = t0 - timedelta(seconds=random.random() * 2 * 86400)
        res_due = start + timedelta(seconds=random.random() * span)
        fr_due = start + (res_due - start) * (0.05 + 0.45 * random.random())
        fr_warn = start + (fr_due - start) * 0.8
        tickets.append(_ticket(tid, created, fr_due, res_due, sla_warning_at=fr_warn))
        for kind, due in (
            ("first_response_warning", fr_warn),
            ("first_response_breach", fr_due),
            ("resolution_breach", res_due),
        ):
            timer_id += 1
            timers.append((timer_id, tid, kind, due, created))
        if len(tickets) >= CHUNK:
            yield tickets, timers
            tickets, timers = [], []
    if tickets:
        yield tickets, timers


def due_rows(
    ids: list[int], t0: datetime, first_timer_id: int, window_start: datetime, window: float
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Tickets already answered whose resolution breach falls in the window (uniformly)."""
    n = len(ids)
    offsets = [(i + random.random()) * window / n for i in range(n)]
    random.shuffle(offsets)
    tickets, timers = [], []
    for i, (tid, off) in enumerate(zip(ids, offsets, strict=True)):
        created = t0 - timedelta(seconds=random.random() * 2 * 86400)
        due = window_start + timedelta(seconds=off)
        tickets.append(
            _ticket(
                tid,
                created,
                created + timedelta(hours=1),
                due,
                first_responded_at=created + timedelta(minutes=10),
                sla_due_at=due,
                agent_reply_count=1,
                interaction_count=2,
            )
        )
        timers.append((first_timer_id + i, tid, "resolution_breach", due, created))
    return tickets, timers


async def vacuum(conn: asyncpg.Connection) -> None:
    await conn.execute("VACUUM ANALYZE timers")
    await conn.execute("VACUUM ANALYZE tickets")


async def load_background(conn: asyncpg.Connection, n: int, due_ids: set[int]) -> int:
    t0 = datetime.now(UTC)
    loaded = 0
    ids = (i for i in range(1, n + 1) if i not in due_ids)
    for tickets, timers in background_rows(ids, t0):
        await conn.copy_records_to_table("tickets", records=tickets, columns=TICKET_COLUMNS)
        await conn.copy_records_to_table("timers", records=timers, columns=TIMER_COLUMNS)
        loaded += len(timers)
    return loaded


async def fix_sequences(conn: asyncpg.Connection) -> None:
    for table in ("tickets", "timers"):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


# --------------------------------------------------------------------------- the worker process


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    if proc in _workers:
        _workers.remove(proc)


def spawn_worker(url: str, log: Any) -> subprocess.Popen[bytes]:
    """`helpdesk worker` as its own process, with the default batch and maximum sleep."""
    env = {**os.environ, "DATABASE_URL": url, "HELPDESK_LOG_LEVEL": "WARNING"}
    for name in ("HELPDESK_WORKER_BATCH", "HELPDESK_WORKER_MAX_SLEEP_SECONDS"):
        env.pop(name, None)
    return subprocess.Popen(
        [str(PYTHON), "-m", "app.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )


async def run_worker_phase(
    conn: asyncpg.Connection, url: str, cfg: Config, res: Result, window_start: datetime
) -> None:
    first_due = res.timers - cfg.due + 1
    log = tempfile.TemporaryFile()
    started = datetime.now(UTC)
    proc = spawn_worker(url, log)
    _workers.append(proc)
    try:
        ps = psutil.Process(proc.pid)
        res.lead_s = (window_start - started).total_seconds()

        def check_alive() -> None:
            if proc.poll() is not None:
                log.seek(0)
                tail = log.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"worker exited with {proc.returncode}:\n{tail}")

        deadline = time.monotonic() + 60
        while not await conn.fetchval("SELECT count(*) FROM worker_replicas"):
            check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError("worker did not report within 60 s")
            await asyncio.sleep(0.1)
        cpu_ready = harness.cpu_seconds(ps)
        t_ready = time.monotonic()
        await asyncio.sleep(max(0.0, (window_start - datetime.now(UTC)).total_seconds()))
        check_alive()
        cpu_open = harness.cpu_seconds(ps)
        t_open = time.monotonic()
        limit = t_open + cfg.window + 30
        fired = 0
        while time.monotonic() < limit:
            fired = await conn.fetchval(
                "SELECT count(*) FROM timers WHERE id >= $1 AND fired_at IS NOT NULL", first_due
            )
            if fired >= cfg.due:
                break
            check_alive()
            await asyncio.sleep(0.5)
        cpu_end = harness.cpu_seconds(ps)
        t_end = time.monotonic()
        res.fired = fired
        res.cpu_startup = cpu_ready
        res.cpu_idle, res.idle_s = cpu_open - cpu_ready, t_open - t_ready
        res.cpu_window, res.window_s = cpu_end - cpu_open, t_end - t_open
        res.cpu_total = cpu_end
    finally:
        await asyncio.to_thread(stop_worker, proc)
        log.close()
    row = await conn.fetchrow(
        """
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
               percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
               max(ms) AS max, count(DISTINCT fired_at) AS passes
        FROM (SELECT extract(epoch FROM fired_at - due_at) * 1000 AS ms, fired_at
              FROM timers WHERE id >= $1 AND fired_at IS NOT NULL) s
        """,
        first_due,
    )
    if row is not None and row["p50"] is not None:
        res.p50, res.p99, res.max = float(row["p50"]), float(row["p99"]), float(row["max"])
        res.passes = int(row["passes"])
    res.sla_events = await conn.fetchval(
        "SELECT count(*) FROM sla_events WHERE metric = 'resolution' AND kind = 'breach'"
    )


# --------------------------------------------------------------------------- in-process cycle cost


async def timed(reps: int, call: Callable[[], Awaitable[None]]) -> float:
    for _ in range(3):
        await call()
    samples = []
    for _ in range(reps):
        t = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


async def arm(conn: asyncpg.Connection, n: int, now: datetime) -> None:
    """BATCH 'resolution_warning' timers due one second ago, on tickets spread over all of N."""
    ticket_ids = random.sample(range(1, n + 1), BATCH)
    due = now - timedelta(seconds=1)
    await conn.copy_records_to_table(
        "timers",
        records=[(t, "resolution_warning", due, now) for t in ticket_ids],
        columns=("ticket_id", "kind", "due_at", "created_at"),
    )


def summarize_plan(title: str, lines: list[str]) -> list[str]:
    """The scan nodes with their buffers, then the statement's buffers and execution time."""
    out = [f"  {title}"]
    node = ""
    total = ""
    for line in lines:
        text = line.strip().removeprefix("->").strip()
        if text.startswith("Buffers:"):
            if node:
                out.append(f"    {node}; {text}")
                node = ""
            elif not total and not line.startswith("   "):
                total = text
        elif " Scan " in f" {text}" and not text.startswith("Subquery"):
            name = re.sub(r"\s*\((cost|actual|never).*", "", text)
            rows = re.search(r"rows=([\d.]+) loops=(\d+)", text)
            if rows:
                node = f"{name} (rows={rows[1]} x{rows[2]})"
            else:
                out.append(f"    {name} (never executed)")
        elif text.startswith("Execution Time"):
            out.append(f"    statement {total or 'Buffers: -'}; {text}")
    return out


async def explain(conn: asyncpg.Connection, sql: str, *args: Any) -> list[str]:
    rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
    return [r[0] for r in rows]


class _Rollback(Exception):
    """Raised to roll back the transaction an EXPLAIN ANALYZE of the claim ran in."""


async def measure_cycle(url: str, n: int, cfg: Config, res: Result) -> None:
    db = await connect(url, Limits(pool_size=2))
    desk = Desk.of(db, Settings(database_url=url))
    conn = await asyncpg.connect(libpq_url(url))
    try:

        async def empty_claim() -> None:
            fired = await registry.fire_due(desk, datetime.now(UTC), batch=BATCH)
            assert fired.claimed == 0, fired

        async def next_due() -> None:
            await timer_schedule.next_due(desk)

        res.empty_ms = await timed(cfg.reps, empty_claim)
        res.next_ms = await timed(cfg.reps, next_due)

        samples = []
        for i in range(cfg.reps + 3):
            now = datetime.now(UTC)
            await arm(conn, n, now)
            t = time.perf_counter()
            fired = await registry.fire_due(desk, now, batch=BATCH)
            elapsed = (time.perf_counter() - t) * 1000
            assert fired.claimed == BATCH, fired
            assert fired.actions["sla_event"] == BATCH, fired
            if i >= 3:
                samples.append(elapsed)
        res.batch_ms = statistics.median(samples)

        plan = await explain(conn, CLAIM, datetime.now(UTC), BATCH)
        res.plans += summarize_plan("claim, nothing due:", plan)
        with contextlib.suppress(_Rollback):
            async with conn.transaction():
                now = datetime.now(UTC)
                await arm(conn, n, now)
                plan = await explain(conn, CLAIM, now, BATCH)
                res.plans += summarize_plan(f"claim, {BATCH} due (rolled back):", plan)
                raise _Rollback
        plan = await explain(conn, "SELECT min(due_at) FROM timers WHERE fired_at IS NULL")
        res.plans += summarize_plan("next_due_at:", plan)
    finally:
        await conn.close()
        await db.close()


# --------------------------------------------------------------------------- one scenario


async def scenario(server_url: str, n: int, cfg: Config) -> Result:
    res = Result(n)
    name = f"bench_deadlines_{n}"
    url = await harness.fresh_database(server_url, name)
    try:
        conn = await asyncpg.connect(libpq_url(url))
        try:
            random.seed(cfg.seed + n)
            stride = n // cfg.due
            due_ids = [1 + i * stride for i in range(cfg.due)]
            say(f"[N={n:,}] loading {n - cfg.due:,} tickets with 3 timers each ...")
            t = time.perf_counter()
            loaded = await load_background(conn, n, set(due_ids))
            await vacuum(conn)
            t_bulk = time.perf_counter() - t
            t = time.perf_counter()
            window_start = datetime.now(UTC) + timedelta(seconds=cfg.lead + 3)
            tickets, timers = due_rows(
                due_ids, datetime.now(UTC), loaded + 1, window_start, cfg.window
            )
            await conn.copy_records_to_table("tickets", records=tickets, columns=TICKET_COLUMNS)
            await conn.copy_records_to_table("timers", records=timers, columns=TIMER_COLUMNS)
            await fix_sequences(conn)
            await vacuum(conn)
            res.timers = loaded + len(timers)
            res.load_s = t_bulk + time.perf_counter() - t
            say(
                f"[N={n:,}] loaded {res.timers:,} timers in {res.load_s:.0f} s; "
                f"worker phase (window {cfg.window:.0f} s) ..."
            )
            await run_worker_phase(conn, url, cfg, res, window_start)
        finally:
            await conn.close()
        say(f"[N={n:,}] cycle cost, {cfg.reps} reps each ...")
        await measure_cycle(url, n, cfg, res)
    finally:
        await harness.drop_database(server_url, name)
    return res


# --------------------------------------------------------------------------- report


def report(results: list[Result], cfg: Config, elapsed: float) -> None:
    big, small = results[0], results[-1]

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}" if b and b == b and a == a else "n/a"

    rows: list[tuple[str, Callable[[Result], str], str]] = [
        ("timers (pending at start)", lambda r: f"{r.timers:,}", ""),
        ("load + VACUUM ANALYZE (s)", lambda r: f"{r.load_s:.1f}", ""),
        ("window opens after start (s)", lambda r: f"{r.lead_s:.1f}", ""),
        (f"due timers fired / {cfg.due:,}", lambda r: f"{r.fired:,}", ""),
        ("resolution breaches recorded", lambda r: f"{r.sla_events:,}", ""),
        ("passes that claimed timers", lambda r: f"{r.passes:,}", ""),
        ("latency p50 (ms)", lambda r: f"{r.p50:.1f}", ""),
        ("latency p99 (ms)", lambda r: f"{r.p99:.1f}", ""),
        ("latency max (ms)", lambda r: f"{r.max:.1f}", ""),
        ("worker CPU to first pass (s)", lambda r: f"{r.cpu_startup:.2f}", ""),
        ("worker CPU idle (s / wall s)", lambda r: f"{r.cpu_idle:.2f} / {r.idle_s:.0f}", ""),
        ("worker CPU window (s / wall s)", lambda r: f"{r.cpu_window:.2f} / {r.window_s:.0f}", ""),
        ("worker CPU total user+sys (s)", lambda r: f"{r.cpu_total:.2f}", ""),
        ("(a) claim, nothing due (ms)", lambda r: f"{r.empty_ms:.2f}", "empty"),
        ("(b) next_due_at (ms)", lambda r: f"{r.next_ms:.2f}", "next"),
        (f"(c) fire_due, {BATCH} due (ms)", lambda r: f"{r.batch_ms:.1f}", "batch"),
    ]
    head = f"{'':32}{'N=' + format(big.n, ','):>14}{'N=' + format(small.n, ','):>14}{'ratio':>8}"
    print()
    print(
        f"Deadline worker benchmark ({cfg.due:,} timers due over {cfg.window:.0f} s; "
        f"batch {BATCH}, max sleep 30 s; medians of {cfg.reps} reps)"
    )
    print(head)
    print("-" * len(head))
    for label, fmt, key in rows:
        rt = ratio(getattr(big, f"{key}_ms"), getattr(small, f"{key}_ms")) if key else ""
        print(f"{label:32}{fmt(big):>14}{fmt(small):>14}{rt:>8}")
    print()
    for r in results:
        print(f"EXPLAIN (ANALYZE, BUFFERS), N={r.n:,}:")
        for line in r.plans:
            print(line)
    print()
    verdicts = []
    for r in results:
        ok = r.fired == cfg.due and r.p99 <= TARGET_P99_MS
        verdicts.append(ok)
        print(
            f"{'PASS' if ok else 'MISS'}  N={r.n:,}: p99 fire latency {r.p99:.0f} ms "
            f"(target <= {TARGET_P99_MS:.0f} ms; fired {r.fired:,}/{cfg.due:,})"
        )
    for label, key in (
        ("(a) empty claim", "empty"),
        ("(b) next_due_at", "next"),
        ("(c) fire 500", "batch"),
    ):
        a, b = getattr(big, f"{key}_ms"), getattr(small, f"{key}_ms")
        ok = bool(b) and a / b <= TARGET_RATIO
        verdicts.append(ok)
        print(
            f"{'PASS' if ok else 'MISS'}  cycle cost {label}: {big.n:,}/{small.n:,} = "
            f"{ratio(a, b)} (target <= {TARGET_RATIO})"
        )
    print(f"overall: {'PASS' if all(verdicts) else 'MISS'}   (wall {elapsed:.0f} s)")


# --------------------------------------------------------------------------- main


async def run(cfg: Config) -> None:
    started = time.monotonic()
    server_url, stop_server = harness.open_server("deadlines")
    try:
        results = [await scenario(server_url, n, cfg) for n in cfg.sizes]
    finally:
        for proc in list(_workers):
            stop_worker(proc)
        await asyncio.to_thread(stop_server)
    report(results, cfg, time.monotonic() - started)


def parse() -> Config:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--tickets", type=int, default=None, help="large N (default 1,000,000)")
    p.add_argument("--small", type=int, default=None, help="small N (default 100,000)")
    p.add_argument("--due", type=int, default=None, help="timers due in the window (10,000)")
    p.add_argument("--quick", action="store_true", help="small sizes, short window: a smoke run")
    a = p.parse_args()
    if a.quick:
        big, small, due, lead, window, reps = 50_000, 5_000, 1_000, 8.0, 10.0, 10
    else:
        big, small, due, lead, window, reps = 1_000_000, 100_000, 10_000, 20.0, 60.0, 50
    big = a.tickets or big
    small = a.small or small
    due = a.due or due
    if due > small or due > big:
        p.error("--due must not exceed --small or --tickets")
    return Config(sizes=(big, small), due=due, lead=lead, window=window, reps=reps)


def main() -> None:
    cfg = parse()

    def on_term(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        asyncio.run(run(cfg))
    finally:
        for proc in list(_workers):
            with contextlib.suppress(Exception):
                stop_worker(proc)


if __name__ == "__main__":
    main()
