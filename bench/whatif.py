"""SLA what-if benchmark: N tickets of a 90-day period replayed under a draft beside the current
policies, timed against the metrics' statement timeout.

    python bench/whatif.py                    # 100,000 tickets
    python bench/whatif.py --tickets 20000    # fewer, on a slow machine

The tickets are written with COPY (triggers off, as a bulk load): an office-hours calendar in
Amsterdam with a holiday, a policy for email tickets on it, the rest under the default policy;
a quarter paused (pending or on hold) a while, one in ten reopened, a tenth still open. The draft
tightens the office policy's targets and drops the calendar's holiday, so both sides are worked
out for every email ticket. Prints the time, tickets per second and the ratio of the time to
`metrics_statement_timeout_seconds`. Starts its own embedded PostgreSQL unless DATABASE_URL is set."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.db import libpq_url  # noqa: E402
from bench import harness  # noqa: E402

DATABASE = "bench_whatif"
DAYS = 90
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
PRIORITIES = ("critical", "high", "medium", "low")
CHANNELS = ("email", "phone", "chat", "web")
COLUMNS = (
    "subject",
    "type",
    "status",
    "impact",
    "urgency",
    "priority",
    "priority_reason",
    "tags",
    "channel",
    "tier",
    "created_at",
    "updated_at",
    "first_responded_at",
    "last_public_reply_at",
    "resolved_at",
    "reopen_count",
    "agent_reply_count",
    "customer_reply_count",
    "interaction_count",
    "version",
    "status_log",
    "sla_paused",
    "sla_breached",
)


def targets(first: int, resolution: int) -> dict[str, dict[str, int]]:
    return {
        p: {
            "first_response_minutes": first * (i + 1),
            "next_update_minutes": 480,
            "resolution_minutes": resolution * (i + 1),
        }
        for i, p in enumerate(PRIORITIES)
    }


CALENDAR = {
    "name": "Office NL",
    "time_zone": "Europe/Amsterdam",
    "hours": [{"day": d, "start": "09:00", "end": "17:00"} for d in WEEKDAYS],
}


def tickets(n: int, now: datetime) -> Iterator[tuple[object, ...]]:
    """`n` tickets spread over the DAYS before `now`, each with a status log a desk could have."""
    rng = random.Random(29)
    start = now - timedelta(days=DAYS)
    step = timedelta(days=DAYS) / n
    for i in range(n):
        created = start + step * i
        t = created
        log = [[created.isoformat(), "new"]]
        replied = created + timedelta(minutes=rng.randint(5, 600))
        last_reply = replied
        if rng.random() < 0.25:
            t = created + timedelta(minutes=rng.randint(1, 120))
            log.append([t.isoformat(), rng.choice(("pending", "on_hold"))])
            t += timedelta(hours=rng.randint(1, 72))
            log.append([t.isoformat(), "open"])
        t = max(t, replied)
        resolved = None
        reopened = 0
        if rng.random() < 0.9:
            resolved = t + timedelta(hours=rng.randint(1, 96))
            log.append([resolved.isoformat(), "resolved"])
            if rng.random() < 0.1:
                back = resolved + timedelta(hours=rng.randint(1, 48))
                log.append([back.isoformat(), "open"])
                resolved = back + timedelta(hours=rng.randint(1, 24))
                log.append([resolved.isoformat(), "resolved"])
                reopened = 1
            last_reply = resolved
        if any(datetime.fromisoformat(at) > now for at, _ in log):
            log = [entry for entry in log if datetime.fromisoformat(entry[0]) <= now]
            resolved = None if log[-1][1] != "resolved" else resolved
        yield (
            f"bench {i}",
            "incident",
            log[-1][1],
            "user",
            "medium",
            PRIORITIES[i % 4],
            "matrix",
            [],
            CHANNELS[i % len(CHANNELS)],
            1,
            created,
            created,
            replied if replied <= now else None,
            last_reply if last_reply <= now else None,
            resolved,
            reopened,
            1,
            0,
            1,
            1,
            json.dumps(log),
            False,
            False,
        )


async def run(n: int) -> None:
    server_url, stop = harness.open_server("whatif")
    try:
        url = await harness.fresh_database(server_url, DATABASE)
        now = datetime.now(UTC).replace(microsecond=0)
        async with harness.in_process(url, now, request_seconds=600) as service:
            client = service.client
            holiday = (now - timedelta(days=30)).date().isoformat()
            calendar = await client.post(
                "/v1/calendars", json=CALENDAR | {"holidays": [{"date": holiday}]}
            )
            assert calendar.status_code == 201, calendar.text
            office = {
                "name": "Office email",
                "position": 1,
                "conditions": {"channels": ["email"]},
                "targets": targets(120, 960),
                "calendar_id": calendar.json()["id"],
            }
            policy = await client.post("/v1/sla-policies", json=office)
            assert policy.status_code == 201, policy.text

            started = time.perf_counter()
            conn = await asyncpg.connect(libpq_url(url))
            try:
                await conn.execute("SET session_replication_role = replica")
                await conn.copy_records_to_table(
                    "tickets", records=tickets(n, now), columns=COLUMNS
                )
                await conn.execute("SET session_replication_role = origin")
                # What the trigger tickets_keep_keys would have written, had it run.
                await conn.execute(
                    "INSERT INTO ticket_keys (id, written_at) SELECT id, updated_at FROM tickets"
                )
                await conn.execute("VACUUM ANALYZE tickets")
            finally:
                await conn.close()
            print(f"{n:,} tickets copied in {time.perf_counter() - started:.1f} s", flush=True)

            body = {
                "policy": office | {"targets": targets(60, 480)},
                "calendar": CALENDAR | {"holidays": []},
                "from": (now - timedelta(days=DAYS + 1)).isoformat(),
                "to": now.isoformat(),
            }
            started = time.perf_counter()
            answered = await client.post("/v1/sla-policies/what-if", json=body)
            took = time.perf_counter() - started
            assert answered.status_code == 200, answered.text
            found = answered.json()
    finally:
        stop()
    assert found["tickets"] == n, found["tickets"]
    timeout = service.settings.metrics_statement_timeout_seconds
    print(f"what-if over {found['tickets']:,} tickets: {took:.1f} s, {n / took:,.0f} tickets/s")
    print(f"ratio to the metrics statement timeout ({timeout:.0f} s): {took / timeout:.3f}")
    print(
        f"breaches gained {found['breaches_gained']['total']:,}, lost "
        f"{found['breaches_lost']['total']:,}, due times moved {found['due_moves']['total']:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    if not 1 <= args.tickets <= 1_000_000:
        parser.error("--tickets: 1 to 1,000,000")
    asyncio.run(run(args.tickets))


if __name__ == "__main__":
    main()
