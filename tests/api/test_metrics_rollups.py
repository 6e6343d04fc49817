"""The summary read from rollups agrees with the exact oracle (the metrics' first, per-ticket
SQL) on a random desk, for ragged and aligned periods, every scope the rollups serve and the
ones they do not; and the rollups follow tickets as they change."""

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from typer.testing import CliRunner

from app import cli as helpdesk
from app.db import Database, connection, libpq_url
from app.domain.access import EVERYTHING, Visibility
from app.domain.rollups import Tally
from app.schemas.metrics import MetricsQuery
from app.services import metrics, rollups
from app.settings import get_settings
from app.store.errors import Busy
from app.store.metrics import Scope
from app.workers.rollups import keep
from tests.api import metrics_oracle as oracle
from tests.api.factories import make_agent, make_customer, make_team, make_ticket, patch
from tests.fakes import FakeClock

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=20)
PERCENTILE = 0.01
TICKET = """
    INSERT INTO tickets (subject, type, status, impact, urgency, priority, priority_reason,
        category, tags, channel, customer_id, team_id, assignee_id, tier, created_at,
        updated_at, first_responded_at, resolved_at, closed_at, reopen_count,
        agent_reply_count, customer_reply_count, interaction_count, version, status_log,
        sla_policy_id, first_response_business_seconds, resolution_business_seconds)
    VALUES ($1, $2, $3, 'user', 'medium', $4, 'matrix', $5, $6, $7, $8, $9, $10, 1, $11, $11,
        $12, $13, $14, $15, $16, 0, 1, 1, $17::jsonb, $18, $19, $20)
    RETURNING id
"""


async def seed(db: Database, rng: random.Random, teams: list[int], agents: list[int],
               customers: list[int], n: int = 240) -> list[int]:  # fmt: skip
    """`n` tickets over the 20 days before NOW, with replies, resolutions, reopens, closings,
    breaches, escalations and calls drawn at random."""
    ids = []
    async with connection(db) as conn:
        policy = await conn.fetchval("SELECT min(id) FROM sla_policies")
        for i in range(n):
            created = START + timedelta(seconds=rng.uniform(0, 20 * 86_400))
            fr = rng.choice([None, rng.uniform(0.2, 90), rng.uniform(60, 30_000)])
            first = None if fr is None else created + timedelta(seconds=fr)
            state = rng.choice(["open", "pending", "resolved", "resolved", "closed"])
            resolved = closed = None
            log: list[list[Any]] = [[created.isoformat(), "new"]]
            if first is not None:
                log.append([first.isoformat(), "open"])
            if state in ("resolved", "closed"):
                resolved = (first or created) + timedelta(seconds=rng.uniform(30, 200_000))
                log.append([resolved.isoformat(), "resolved"])
                if state == "closed":
                    closed = resolved + timedelta(seconds=rng.uniform(0, 86_400 * 3))
            if state == "pending":
                log.append([(first or created).isoformat(), "pending"])
            if (resolved is not None and resolved > NOW) or (closed is not None and closed > NOW):
                state, resolved, closed = "open", None, None
                log = log[:2]
            ticket_id = await conn.fetchval(
                TICKET,
                f"random {i}",
                rng.choice(["incident", "question", "problem"]),
                state,
                rng.choice(["high", "medium", "low"]),
                rng.choice([None, "billing", "network", "hardware"]),
                rng.sample(["vpn", "mac", "printer", "wifi"], rng.randint(0, 2)),
                rng.choice(["phone", "email", "chat"]),
                rng.choice([None, *customers]),
                rng.choice([None, *teams]),
                rng.choice([None, *agents]),
                created,
                first,
                resolved,
                closed,
                rng.choice([0, 0, 0, 1]),
                0 if first is None else rng.choice([1, 1, 2]),
                log,
                rng.choice([None, policy]),
                None if fr is None else rng.choice([None, fr / 3]),
                None if resolved is None else rng.uniform(10, 50_000),
            )
            ids.append(ticket_id)
            if rng.random() < 0.15:
                await conn.execute(
                    "INSERT INTO sla_events (ticket_id, metric, kind, due_at, recorded_at)"
                    " VALUES ($1, $2, 'breach', $3, $3)",
                    ticket_id,
                    rng.choice(["first_response", "resolution"]),
                    created + timedelta(hours=rng.uniform(0, 30)),
                )
            if rng.random() < 0.1:
                await conn.execute(
                    "INSERT INTO escalations (ticket_id, kind, from_tier, to_tier, reason,"
                    " trigger, created_at) VALUES ($1, $2, 1, 2, 'random', 'manual', $3)",
                    ticket_id,
                    rng.choice(["functional", "hierarchical", "transfer"]),
                    created + timedelta(hours=rng.uniform(0, 5)),
                )
            for kind, scores in (("csat", range(1, 6)), ("nps", range(11))):
                if rng.random() < 0.3:
                    await conn.execute(
                        "INSERT INTO survey_responses (ticket_id, kind, score, responded_at)"
                        " VALUES ($1, $2, $3, $4)",
                        ticket_id,
                        kind,
                        rng.choice(scores),
                        created + timedelta(hours=rng.uniform(1, 60)),
                    )
            if rng.random() < 0.2:
                await conn.execute(
                    "INSERT INTO interactions (ticket_id, kind, direction, public, author_type,"
                    " body, occurred_at, duration_seconds, created_at)"
                    " VALUES ($1, 'call', 'outbound', true, 'agent', 'call', $2, $3, $2)",
                    ticket_id,
                    created + timedelta(minutes=5),
                    rng.randint(30, 900),
                )
    return ids


@pytest.fixture
async def random_desk(client: httpx.AsyncClient, db: Database) -> dict[str, list[int]]:
    teams = [(await make_team(client))["id"] for _ in range(3)]
    agents = [(await make_agent(client, team_id=teams[i % 3]))["id"] for i in range(4)]
    customers = [(await make_customer(client))["id"] for _ in range(8)]
    ids = await seed(db, random.Random(20), teams, agents, customers)
    return {"teams": teams, "agents": agents, "customers": customers, "tickets": ids}


async def exact(db: Database, scope: Scope, frm: datetime, to: datetime) -> dict[str, Any]:
    async with connection(db) as conn:
        t = dict(await oracle.ticket_figures(conn, scope, frm, to))
        repeat = await oracle.repeat_contacts(conn, scope, frm, to)
        top = await oracle.top_issues(conn, scope, frm, to)
        surveys = {r["kind"]: r for r in await oracle.survey_figures(conn, scope, frm, to)}
        types = await oracle.by_type(conn, scope, frm, to)
    return {"t": t, "repeat": repeat, "top": top, "types": types, "surveys": surveys}


def agree(s: dict[str, Any], o: dict[str, Any]) -> None:
    t = o["t"]
    assert s["volume"] == {
        "created": t["created"],
        "resolved": t["resolved"],
        "closed": t["closed"],
    }
    for shown, name in (
        (s["first_response"], "first_response"),
        (s["first_response"]["business"], "first_response_business"),
        (s["resolution"], "resolution"),
        (s["resolution"]["business"], "resolution_business"),
        (s["requester_wait"], "requester_wait"),
    ):
        assert shown["count"] == t[f"{name}_n"], name
        for key, column, rel in (
            ("mean_seconds", "mean", 1e-9),
            ("median_seconds", "p50", PERCENTILE),
            ("p90_seconds", "p90", PERCENTILE),
        ):
            want = t[f"{name}_{column}"]
            if want is None:
                assert shown[key] is None, (name, key)
            else:
                # Under a second counts as 0 in the histogram: allow that much besides 1 %.
                assert shown[key] == pytest.approx(float(want), rel=rel, abs=1.0), (name, key)
    assert s["first_response"]["closed_without_reply"] == t["closed_without_reply"]
    assert s["first_contact_resolution"]["count"] == t["first_contact"]
    assert s["resolution_rate"]["count"] == t["created_done"]
    assert s["reopen_rate"]["count"] == t["reopened"]
    assert s["escalation_rate"]["count"] == t["escalated"]
    replies = s["replies_per_resolution"]
    assert (replies is None) == (t["resolved"] == 0)
    if replies is not None:
        assert replies == pytest.approx(t["replies"] / t["resolved"])
    sla = s["sla"]
    assert (sla["first_response"]["measured"], sla["first_response"]["breached"]) == (
        t["fr_measured"],
        t["fr_breached"],
    )
    assert (sla["resolution"]["measured"], sla["resolution"]["breached"]) == (
        t["res_measured"],
        t["res_breached"],
    )
    r = o["repeat"]
    shown = s["repeat_contacts"]
    assert (shown["customers"], shown["repeat_customers"], shown["tickets"]) == (
        r["customers"],
        r["repeat_customers"],
        r["tickets"],
    )
    assert shown["within_7_days"] == r["within_window"]
    csat, nps = o["surveys"].get("csat"), o["surveys"].get("nps")
    assert (s["csat"]["answers"], s["csat"]["satisfied"]) == (
        (csat["answers"], csat["four_up"]) if csat else (0, 0)
    )
    if csat:
        assert s["csat"]["mean"] == pytest.approx(csat["total"] / csat["answers"])
        assert s["negative_responses"]["csat"]["count"] == csat["two_down"]
    assert (s["nps"]["answers"], s["nps"]["promoters"], s["nps"]["passives"]) == (
        (nps["answers"], nps["nine_up"], nps["seven_eight"]) if nps else (0, 0, 0)
    )
    assert s["nps"]["detractors"] == (nps["six_down"] if nps else 0)
    top = s["top_issues"]
    assert [(c["name"], c["count"]) for c in top["categories"]] == [
        (x["name"], x["n"]) for x in o["top"] if x["kind"] == "category"
    ]
    assert [(c["name"], c["count"]) for c in top["tags"]] == [
        (x["name"], x["n"]) for x in o["top"] if x["kind"] == "tag"
    ]
    assert [(b["type"], b["resolved"]) for b in s["by_type"]] == [
        (x["type"], x["resolved"]) for x in o["types"]
    ]
    for b, x in zip(s["by_type"], o["types"], strict=True):
        assert b["resolution_mean_seconds"] == pytest.approx(float(x["resolution_mean"]))
        assert b["handle_mean_seconds"] == pytest.approx(float(x["handle_mean"]))


async def summary(app: Any, scope: Scope, frm: datetime, to: datetime) -> dict[str, Any]:
    q = MetricsQuery(
        **{"from": frm, "to": to},
        team_id=scope.team_id,
        agent_id=scope.agent_id,
        channel=scope.channel,
        priority=scope.priority,
        category=scope.category,
    )
    answer = await metrics.summary(app.state.desk, q, visible=scope.visible, now=NOW)
    return answer.model_dump(mode="json")


PERIODS = [
    (START, NOW),  # twenty whole days, ragged at both ends
    (datetime(2026, 5, 3, tzinfo=UTC), datetime(2026, 5, 10, tzinfo=UTC)),  # whole days
    (datetime(2026, 5, 4, 22, 15, tzinfo=UTC), datetime(2026, 5, 5, 3, 40, tzinfo=UTC)),
    (datetime(2026, 5, 6, 10, 5, tzinfo=UTC), datetime(2026, 5, 6, 10, 50, tzinfo=UTC)),
    # Midnights in New York and Kolkata: hours and half hours off UTC days.
    (datetime(2026, 5, 2, 4, tzinfo=UTC), datetime(2026, 5, 16, 4, tzinfo=UTC)),
    (datetime(2026, 5, 1, 18, 30, tzinfo=UTC), datetime(2026, 5, 12, 18, 30, tzinfo=UTC)),
]


async def test_rollups_agree_with_the_exact_oracle(
    app: Any, db: Database, random_desk: dict[str, list[int]]
) -> None:
    team, agent = random_desk["teams"][0], random_desk["agents"][1]
    scopes = [
        Scope(EVERYTHING),
        Scope(EVERYTHING, team_id=team),
        Scope(EVERYTHING, agent_id=agent),
        Scope(EVERYTHING, channel="phone"),
        Scope(EVERYTHING, priority="high"),
        Scope(EVERYTHING, category="billing"),
        # Neither is served by a rollup: two filters, and a caller who sees only some tickets.
        Scope(EVERYTHING, team_id=team, channel="email"),
        Scope(Visibility(team_ids=frozenset({team}), agent_id=agent)),
    ]
    for frm, to in PERIODS:
        for scope in scopes:
            s = await summary(app, scope, frm, to)
            agree(s, await exact(db, scope, frm, to))
    # The random desk is not empty where it matters.
    whole = await summary(app, Scope(EVERYTHING), START, NOW)
    assert whole["volume"]["created"] == 240 and whole["volume"]["resolved"] > 50


def same_rollups(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> None:
    """The same keys and tallies; sums of seconds may differ in the last bits (the order the
    database added them in)."""
    assert [row[:3] for row in a] == [row[:3] for row in b]
    for row_a, row_b in zip(a, b, strict=True):
        x, y = Tally.from_json(row_a[3]), Tally.from_json(row_b[3])
        assert (x.counts, x.categories, x.tags) == (y.counts, y.categories, y.tags), row_a[:3]
        assert x.distributions.keys() == y.distributions.keys()
        for name, d in x.distributions.items():
            e = y.distributions[name]
            assert (d.n, d.buckets()) == (e.n, e.buckets()) and d.total == pytest.approx(e.total)
        assert x.types.keys() == y.types.keys()
        for name, figures in x.types.items():
            assert figures == pytest.approx(y.types[name])


async def test_a_rebuild_gives_what_the_passes_gave(
    app: Any, db: Database, random_desk: dict[str, list[int]]
) -> None:
    await rollups.settle(app.state.desk)
    read = "SELECT day, dim, value, tally FROM metric_rollups ORDER BY 1, 2, 3"
    async with connection(db) as conn:
        passed = [tuple(r) for r in await conn.fetch(read)]
    assert len(passed) > 20 * 5
    assert await rollups.rebuild(app.state.desk) >= 20
    async with connection(db) as conn:
        rebuilt = [tuple(r) for r in await conn.fetch(read)]
    same_rollups(rebuilt, passed)
    # The feeds resume where the rebuild left them: a pass has nothing to change.
    assert not await rollups.catch_up(app.state.desk)
    async with connection(db) as conn:
        same_rollups([tuple(r) for r in await conn.fetch(read)], passed)
        positions = await conn.fetch("SELECT name, txid::text FROM metric_feeds ORDER BY 1")
    assert [r["name"] for r in positions] == [
        "escalations",
        "sla_events",
        "survey_responses",
        "tickets",
    ]


async def test_rollups_follow_a_ticket_as_it_changes(
    app: Any,
    client: httpx.AsyncClient,
    clock: FakeClock,
    db: Database,
    random_desk: dict[str, list[int]],
) -> None:
    clock.set(NOW + timedelta(hours=1))  # after everything the random desk did
    everything = Scope(EVERYTHING)
    team = random_desk["teams"][2]
    async with connection(db) as conn:
        resolved = await conn.fetchrow(
            "SELECT id, resolved_at FROM tickets WHERE status = 'resolved' AND team_id <> $1"
            " ORDER BY id LIMIT 1",
            team,
        )
    day = resolved["resolved_at"].replace(hour=0, minute=0, second=0, microsecond=0)
    window = (day, day + timedelta(days=1))
    in_team = Scope(EVERYTHING, team_id=team)
    before = await summary(app, everything, *window)
    team_before = await summary(app, in_team, START, NOW)
    # Reopened (through the API) and moved to another team: its resolution day loses it, the
    # team gains it, and a breach recorded later counts too.
    opened = await patch(client, f"/v1/tickets/{resolved['id']}", status="open", team_id=team)
    assert opened.status_code == 200, opened.text
    after = await summary(app, everything, *window)
    assert after["volume"]["resolved"] == before["volume"]["resolved"] - 1
    agree(after, await exact(db, everything, *window))
    team_after = await summary(app, in_team, START, NOW)
    assert team_after["volume"]["created"] == team_before["volume"]["created"] + 1
    agree(team_after, await exact(db, in_team, START, NOW))
    async with connection(db) as conn:
        await conn.execute(
            "INSERT INTO sla_events (ticket_id, metric, kind, due_at, recorded_at)"
            " VALUES ($1, 'first_response', 'breach', $2, $2)",
            resolved["id"],
            NOW - timedelta(hours=1),
        )
    agree(await summary(app, in_team, START, NOW), await exact(db, in_team, START, NOW))
    # An answer given later counts on the day it was given.
    answered = await client.post(
        f"/v1/tickets/{resolved['id']}/surveys", json={"kind": "csat", "score": 2}
    )
    assert answered.status_code == 201, answered.text
    later = NOW + timedelta(hours=2)
    last = await summary(app, in_team, START, later)
    assert last["negative_responses"]["csat"]["count"] >= 1
    agree(last, await exact(db, in_team, START, later))


async def test_passes_at_once_take_turns_and_the_loop_keeps_up(
    app: Any, client: httpx.AsyncClient, db: Database, random_desk: dict[str, list[int]]
) -> None:
    desk = app.state.desk
    # Three replicas' passes at once, small batches: they take turns on the feeds' positions.
    # A pass that waits longer than the lock timeout for its turn gives it up (Busy), as the
    # worker's loop expects of it; on a slow machine one pass can take that long. What must
    # never happen is anything else (a deadlock, a duplicate row) or a turn given up by all.
    outcomes = await asyncio.gather(
        *(rollups.catch_up(desk, batch=50) for _ in range(3)), return_exceptions=True
    )
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    assert all(type(o) is Busy for o in failed), failed
    assert len(failed) < len(outcomes), failed
    while await rollups.catch_up(desk, batch=50):
        pass
    read = "SELECT day, dim, value, tally FROM metric_rollups ORDER BY 1, 2, 3"
    async with connection(db) as conn:
        passed = [tuple(r) for r in await conn.fetch(read)]
    await rollups.rebuild(desk)
    async with connection(db) as conn:
        same_rollups([tuple(r) for r in await conn.fetch(read)], passed)
    # The worker's loop takes a new ticket in without being asked.
    stop = asyncio.Event()
    loop = asyncio.create_task(keep(desk, stop, every=0.02))
    try:
        made = await make_ticket(client)
        async with connection(db) as conn:
            for _ in range(250):  # bounded: 5 s at most
                if await conn.fetchval(
                    "SELECT count(*) FROM metric_tickets WHERE ticket_id = $1", made["id"]
                ):
                    break
                await asyncio.sleep(0.02)
            else:
                pytest.fail("the rollups loop did not take the new ticket in")
    finally:
        stop.set()
        await asyncio.wait_for(loop, 5)


def test_the_rebuild_command(
    db: Database, random_desk: dict[str, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db.url)
    get_settings.cache_clear()
    try:
        done = CliRunner().invoke(helpdesk.cli, ["rebuild-metrics"])
    finally:
        get_settings.cache_clear()
    assert done.exit_code == 0, done.output
    days = int(done.output.split()[2])
    assert 20 <= days <= 24, done.output  # the random desk's 20 days, its answers a bit later

    async def facts() -> int:
        conn = await asyncpg.connect(libpq_url(db.url))
        try:
            return int(await conn.fetchval("SELECT count(*) FROM metric_tickets"))
        finally:
            await conn.close()

    assert asyncio.run(facts()) == len(random_desk["tickets"])
