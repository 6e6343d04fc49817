"""Metrics benchmark: p50/p95 of the 30-day and whole-year summaries, a 12-month time series and
/metrics, over 12 months of tickets seeded in SQL, at growing sizes (default 100k, 1M).

    python bench/metrics.py                    # 100,000 then 1,000,000 tickets
    python bench/metrics.py --sizes 100000 300000 --reps 15

Each size is a database of its own, its tickets created in id order over the 12 months before
now (as a desk's table grows: the last month's tickets are the table's newest), with one agent
reply each (a call with a duration on the phone
channel), CSAT answers on a fifth and NPS on a tenth of the resolved ones, and a breach on one
in twenty; then the metrics' rollups are rebuilt (as `helpdesk rebuild-metrics` does after a
bulk load), and the time it takes is printed. Starts its own embedded PostgreSQL unless DATABASE_URL is set."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.db import libpq_url  # noqa: E402
from app.services import rollups  # noqa: E402
from bench import harness  # noqa: E402

DATABASE = "bench_metrics"
TEAMS, AGENTS = 20, 200
TARGET_30D_P95_MS = 250.0
TARGET_RATIO = 2.0
TARGET_PROMETHEUS_P95_MS = 100.0

PEOPLE = f"""
    INSERT INTO teams (id, name, tier, created_at, updated_at, version)
    SELECT g, 'Team ' || g, 1, now(), now(), 1 FROM generate_series(1, {TEAMS}) g;
    INSERT INTO agents (id, name, email, team_id, role, active, created_at, updated_at, version)
    SELECT g, 'Agent ' || g, 'agent' || g || '@bench.example.com', 1 + g % {TEAMS}, 'agent',
           true, now(), now(), 1
    FROM generate_series(1, {AGENTS}) g;
"""
CUSTOMERS = """
    INSERT INTO customers (id, name, email, created_at, updated_at, version)
    SELECT g, 'Customer ' || g, 'c' || g || '@bench.example.com', now(), now(), 1
    FROM generate_series($1::bigint, $2::bigint) g
"""
# One ticket per id: created over the year before $3; most are resolved (then closed when
# older than a week), the newest few open. Times in seconds from creation.
TICKETS = f"""
    INSERT INTO tickets (id, subject, type, status, impact, urgency, priority, priority_reason,
        category, tags, channel, customer_id, team_id, assignee_id, tier, created_at, updated_at,
        first_responded_at, last_public_reply_at, resolved_at, closed_at, reopen_count,
        agent_reply_count, customer_reply_count, interaction_count, version, status_log,
        sla_policy_id, first_response_due_at, resolution_due_at, sla_paused, sla_breached)
    SELECT g, 'bench ' || g, (ARRAY['incident','service_request','question','problem'])[1 + g % 4],
        s.status, 'user', 'medium', (ARRAY['critical','high','medium','low'])[1 + g % 4], 'matrix',
        'cat' || (g % 25), ARRAY['tag' || (g % 40)],
        (ARRAY['phone','email','chat','web','api'])[1 + g % 5],
        1 + g % $4::bigint, 1 + g % {TEAMS}, 1 + g % {AGENTS}, 1, c.at, c.at,
        c.at + c.fr, c.at + c.fr, CASE WHEN s.status <> 'open' THEN c.at + c.res END,
        CASE WHEN s.status = 'closed' THEN c.at + c.res + interval '7 days' END,
        (g % 17 = 0)::int, 1 + (g % 3 = 0)::int, 1, 2, 3,
        jsonb_build_array(jsonb_build_array(c.at, 'new'), jsonb_build_array(c.at + c.fr, 'open'))
            || CASE WHEN s.status <> 'open' THEN jsonb_build_array(jsonb_build_array(c.at + c.res, 'resolved')) ELSE '[]'::jsonb END,
        1, c.at + interval '4 hours', c.at + interval '3 days', false, g % 20 = 0
    FROM generate_series($1::bigint, $2::bigint) g
    CROSS JOIN LATERAL (
        SELECT $3::timestamptz - interval '365 days' * (1 - (g - 0.5) / $5::float8) AS at,
               interval '1 second' * (300 + (g * 7919) % 14400) AS fr,
               interval '1 second' * (3600 + (g * 104729) % 259200) AS res
    ) c
    CROSS JOIN LATERAL (
        SELECT CASE WHEN c.at + c.res > $3::timestamptz THEN 'open'
                    WHEN c.at + c.res + interval '7 days' < $3::timestamptz THEN 'closed'
                    ELSE 'resolved' END AS status
    ) s
"""
INTERACTIONS = """
    INSERT INTO interactions (ticket_id, kind, direction, public, author_type, author_agent_id,
        body, occurred_at, duration_seconds, created_at)
    SELECT id, CASE WHEN channel = 'phone' THEN 'call' ELSE 'email' END, 'outbound', true,
        'agent', assignee_id, 'We are on it', first_responded_at,
        CASE WHEN channel = 'phone' THEN 60 + id % 900 END, first_responded_at
    FROM tickets WHERE id BETWEEN $1 AND $2
"""
SURVEYS = """
    INSERT INTO survey_responses (ticket_id, kind, score, customer_id, responded_at)
    SELECT id, 'csat', 1 + id % 5, customer_id, resolved_at + interval '1 hour'
    FROM tickets WHERE id BETWEEN $1 AND $2 AND resolved_at IS NOT NULL AND id % 5 = 0
    UNION ALL
    SELECT id, 'nps', id % 11, customer_id, resolved_at + interval '2 hours'
    FROM tickets WHERE id BETWEEN $1 AND $2 AND resolved_at IS NOT NULL AND id % 10 = 0
"""
BREACHES = """
    INSERT INTO sla_events (ticket_id, metric, kind, due_at, recorded_at, team_id, priority,
        policy_id)
    SELECT id, 'first_response', 'breach', first_response_due_at, first_response_due_at,
        team_id, priority, 1
    FROM tickets WHERE id BETWEEN $1 AND $2 AND sla_breached
"""


# What the trigger tickets_keep_keys would have written for each seeded ticket.
WRITES = """
    INSERT INTO ticket_keys (id, written_at)
    SELECT id, updated_at FROM tickets WHERE id BETWEEN $1 AND $2
"""


async def seed(conn: asyncpg.Connection, size: int, now: datetime) -> float:
    """`size` tickets with their interactions, surveys and breaches; seconds taken."""
    started = time.perf_counter()
    customers = max(1, size // 20)
    # Triggers off while seeding (audit rows, the tickets' write positions and totals upkeep): a
    # bulk load, not traffic; the write positions the metrics' ticket feed follows are added here.
    await conn.execute("SET session_replication_role = replica")
    await conn.execute(PEOPLE)
    await conn.execute(CUSTOMERS, 1, customers)
    step = 100_000
    for lo in range(1, size + 1, step):
        hi = min(size, lo + step - 1)
        await conn.execute(TICKETS, lo, hi, now, customers, size)
        await conn.execute(WRITES, lo, hi)
        await conn.execute(INTERACTIONS, lo, hi)
        await conn.execute(SURVEYS, lo, hi)
        await conn.execute(BREACHES, lo, hi)
        print(f"  seeded {hi:,} tickets ({time.perf_counter() - started:.0f} s)", flush=True)
    await conn.execute("SET session_replication_role = origin")
    await conn.execute("ANALYZE")
    return time.perf_counter() - started


async def measure(
    client: httpx.AsyncClient, path: str, params: dict[str, str], reps: int
) -> tuple[float, float]:
    await client.get(path, params=params)  # warm: plans, caches
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        answered = await client.get(path, params=params)
        samples.append((time.perf_counter() - started) * 1000)
        assert answered.status_code == 200, answered.text
    return harness.percentiles(samples)


async def scenario(server_url: str, size: int, reps: int) -> dict[str, tuple[float, float]]:
    url = await harness.fresh_database(server_url, f"{DATABASE}_{size}")
    now = datetime.now(UTC).replace(microsecond=0)
    print(f"seeding {size:,} tickets…", flush=True)
    conn = await asyncpg.connect(libpq_url(url))
    try:
        print(f"  {size:,} tickets in {await seed(conn, size, now):.0f} s", flush=True)
    finally:
        await conn.close()
    async with harness.in_process(url, now, request_seconds=300) as service:
        # The seed bypassed the API: the rollups are worked out in one go, as after an import.
        started = time.perf_counter()
        days = await rollups.rebuild(service.app.state.desk)
        print(
            f"  rollups rebuilt: {days} days in {time.perf_counter() - started:.0f} s", flush=True
        )
        # What autovacuum does soon after a bulk write: the visibility map lets the period's
        # index scans skip the table.
        async with service.db.pool.acquire() as conn:
            await conn.execute("VACUUM (ANALYZE) metric_tickets, metric_rollups")
        year = {"from": (now - timedelta(days=365)).isoformat(), "to": now.isoformat()}
        month = {"from": (now - timedelta(days=30)).isoformat(), "to": now.isoformat()}
        client = service.client
        return {
            "summary, 30 days": await measure(client, "/v1/metrics/summary", month, reps),
            "summary, 12 months": await measure(
                client, "/v1/metrics/summary", year, max(3, reps // 4)
            ),
            "timeseries, 12 months": await measure(
                client,
                "/v1/metrics/timeseries",
                {**year, "metric": "created", "interval": "month"},
                reps,
            ),
            "/metrics": await measure(client, "/metrics", {}, reps),
        }


async def run(sizes: list[int], reps: int) -> None:
    server_url, stop = harness.open_server("metrics")
    results: dict[int, dict[str, tuple[float, float]]] = {}
    try:
        for size in sizes:
            results[size] = await scenario(server_url, size, reps)
            report(results)
    finally:
        stop()


def report(results: dict[int, dict[str, tuple[float, float]]]) -> None:
    sizes = sorted(results)
    print(f"\n{'query':<24}" + "".join(f"{f'{n:,}: p50 / p95 ms':>28}" for n in sizes))
    for name in results[sizes[0]]:
        cells = "".join(
            f"{f'{results[n][name][0]:.1f} / {results[n][name][1]:.1f}':>28}" for n in sizes
        )
        print(f"{name:<24}{cells}")
    big, small = sizes[-1], sizes[0]
    p95_30d = results[big]["summary, 30 days"][1]
    print(f"\n30-day summary p95 at {big:,}: {p95_30d:.1f} ms (target ≤ {TARGET_30D_P95_MS:.0f})")
    if big != small:
        ratio = p95_30d / results[small]["summary, 30 days"][1]
        print(f"its p95 at {big:,} / at {small:,}: {ratio:.2f} (target ≤ {TARGET_RATIO})")
    prom = results[big]["/metrics"][1]
    print(f"/metrics p95 at {big:,}: {prom:.1f} ms (target ≤ {TARGET_PROMETHEUS_P95_MS:.0f})\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(sorted(args.sizes), args.reps))


if __name__ == "__main__":
    main()
