"""The KPIs over a hand-built desk: each figure is worked out below from the story of its
tickets, in seconds (H = an hour)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.db import Database, connection
from tests.api.conftest import client_for, new_key
from tests.api.factories import (
    answer_survey,
    escalate,
    log,
    make_agent,
    make_customer,
    make_team,
    make_ticket,
    patch,
)
from tests.api.test_sla import office_calendar, targets
from tests.fakes import FakeClock

H = 3600
# Medians and 90th percentiles come from 2 %-wide histogram buckets: within 1 % of exact.
PERCENTILE = 0.01
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PERIOD = {"from": "2026-03-01", "to": "2026-04-01"}


def at(clock: FakeClock, hours: float) -> None:
    clock.set(T0 + timedelta(hours=hours))


async def status(client: httpx.AsyncClient, ticket: dict[str, Any], to: str) -> None:
    changed = await patch(client, f"/v1/tickets/{ticket['id']}", status=to)
    assert changed.status_code == 200, changed.text


async def build(client: httpx.AsyncClient, clock: FakeClock, db: Database) -> dict[str, Any]:
    """Five tickets:
    A  team X, customer 1, billing/vpn: reply +1h, resolved +3h (one reply: first contact)
    C  team Y, customer 2, network: created +1h, closed +2h with no reply
    D  team Y, no customer: created +2h, reply +6h, still open
    E  team X: created +3h, reply +4h, resolved +5h, reopened +6h, resolved +9h
    B  team X, customer 1, billing/vpn+mac: created +5h (2h after A's resolution: a repeat),
       reply +7h, pending +8h, open +10h, reply +11h, resolved +13h
    """
    x, y = await make_team(client), await make_team(client)
    agent = await make_agent(client, team_id=x["id"])
    c1, c2 = await make_customer(client), await make_customer(client)
    reply = {"author_type": "agent", "author_id": agent["id"]}
    at(clock, 0)
    a = await make_ticket(
        client,
        team_id=x["id"],
        customer_id=c1["id"],
        category="billing",
        tags=["vpn"],
        assignee_id=agent["id"],
    )
    at(clock, 1)
    await log(client, a["id"], **reply)
    c = await make_ticket(client, team_id=y["id"], customer_id=c2["id"], category="network")
    at(clock, 2)
    await status(client, c, "closed")
    d = await make_ticket(client, team_id=y["id"])
    at(clock, 3)
    await status(client, a, "resolved")
    e = await make_ticket(client, team_id=x["id"])
    at(clock, 4)
    await log(client, e["id"], **reply)
    at(clock, 5)
    await status(client, e, "resolved")
    b = await make_ticket(
        client,
        team_id=x["id"],
        customer_id=c1["id"],
        category="billing",
        tags=["vpn", "mac"],
        assignee_id=agent["id"],
    )
    at(clock, 6)
    await status(client, e, "open")
    await log(client, d["id"], **reply)
    at(clock, 7)
    await log(client, b["id"], **reply)
    at(clock, 8)
    await status(client, b, "pending")
    at(clock, 9)
    await status(client, e, "resolved")
    at(clock, 10)
    await status(client, b, "open")
    at(clock, 11)
    await log(client, b["id"], **reply)
    at(clock, 13)
    await status(client, b, "resolved")
    at(clock, 14)
    await answer_survey(client, a["id"], "csat", 5)
    await answer_survey(client, b["id"], "csat", 2)
    await answer_survey(client, a["id"], "nps", 10)
    await answer_survey(client, b["id"], "nps", 6)
    await answer_survey(client, e["id"], "nps", 8)
    async with connection(db) as conn:
        # B's first response came after its deadline: the worker recorded a breach.
        await conn.execute(
            "INSERT INTO sla_events (ticket_id, metric, kind, due_at, recorded_at)"
            " VALUES ($1, 'first_response', 'breach', $2, $2)",
            b["id"],
            T0 + timedelta(hours=6),
        )
        # Two callbacks on A: one kept in its 30 minutes' grace, one missed.
        kept, missed = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
        grace = timedelta(minutes=30)
        await conn.executemany(
            "INSERT INTO callbacks (ticket_id, requested_at, missed_at, status, created_at,"
            " done_at) VALUES ($1, $2, $3, $4, $2, $5)",
            [
                (a["id"], kept, kept + grace, "done", kept + timedelta(minutes=15)),
                (a["id"], missed, missed + grace, "missed", None),
            ],
        )
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "x": x, "y": y, "agent": agent}


@pytest.fixture
async def desk(client: httpx.AsyncClient, clock: FakeClock, db: Database) -> dict[str, Any]:
    return await build(client, clock, db)


async def summary(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    answered = await client.get("/v1/metrics/summary", params=PERIOD | params)
    assert answered.status_code == 200, answered.text
    return answered.json()


async def test_volume_durations_and_rates(client: httpx.AsyncClient, desk: dict[str, Any]) -> None:
    s = await summary(client)
    assert s["volume"] == {"created": 5, "resolved": 3, "closed": 1}
    # First responses: A 1h, B 2h, D 4h, E 1h; C closed without one, counted apart.
    fr = s["first_response"]
    assert (fr["count"], fr["closed_without_reply"]) == (4, 1)
    assert fr["mean_seconds"] == pytest.approx((1 + 2 + 4 + 1) * H / 4)
    assert fr["median_seconds"] == pytest.approx(1.5 * H, rel=PERCENTILE)  # between 1h and 2h
    assert fr["p90_seconds"] == pytest.approx(
        (2 + 0.7 * (4 - 2)) * H, rel=PERCENTILE
    )  # rank 2.7 of 0..3
    # Resolutions: A 3h, E 6h (its last), B 8h.
    res = s["resolution"]
    assert res["count"] == 3
    assert res["mean_seconds"] == pytest.approx((3 + 6 + 8) * H / 3)
    assert res["median_seconds"] == pytest.approx(6 * H, rel=PERCENTILE)
    assert res["p90_seconds"] == pytest.approx((6 + 0.8 * 2) * H, rel=PERCENTILE)
    # Waiting on us: A 3h; E 2h + 3h (not the hour it was resolved); B 3h + 3h (not pending).
    wait = s["requester_wait"]
    assert wait["mean_seconds"] == pytest.approx((3 + 5 + 6) * H / 3)
    assert wait["median_seconds"] == pytest.approx(5 * H, rel=PERCENTILE)
    assert s["first_contact_resolution"] == {"count": 1, "of": 3, "rate": pytest.approx(1 / 3)}
    assert s["resolution_rate"] == {"count": 4, "of": 5, "rate": pytest.approx(4 / 5)}
    assert s["reopen_rate"] == {"count": 1, "of": 3, "rate": pytest.approx(1 / 3)}
    assert s["replies_per_resolution"] == pytest.approx((1 + 2 + 1) / 3)


async def test_backlog_sla_surveys_and_repeats(
    client: httpx.AsyncClient, desk: dict[str, Any]
) -> None:
    s = await summary(client)
    backlog = s["backlog"]
    assert backlog["total"] == 1
    assert backlog["by_status"] == [{"value": "open", "count": 1}]
    assert backlog["by_team"] == [{"value": str(desk["y"]["id"]), "count": 1}]
    assert backlog["by_age"] == [{"value": "under_1d", "count": 1}]  # D, 12 hours old
    sla = s["sla"]
    assert sla["first_response"] == {"measured": 4, "breached": 1, "compliance": 0.75}
    assert sla["resolution"] == {"measured": 3, "breached": 0, "compliance": 1.0}
    assert sla["breaches"] == {"first_response": 1}
    assert s["csat"] == {"answers": 2, "satisfied": 1, "satisfied_share": 0.5, "mean": 3.5}
    assert s["nps"] == {"answers": 3, "promoters": 1, "passives": 1, "detractors": 1, "score": 0.0}
    assert s["negative_responses"]["csat"] == {"count": 1, "of": 2, "rate": 0.5}
    assert s["negative_responses"]["nps"] == {"count": 1, "of": 3, "rate": pytest.approx(1 / 3)}
    assert s["repeat_contacts"] == {
        "customers": 2,
        "repeat_customers": 1,
        "customer_rate": 0.5,
        "tickets": 3,
        "within_7_days": 1,
        "ticket_rate": pytest.approx(1 / 3),
    }
    assert s["callbacks"] == {"count": 1, "of": 2, "rate": 0.5}
    assert s["top_issues"]["categories"] == [
        {"name": "billing", "count": 2},
        {"name": "network", "count": 1},
    ]
    assert s["top_issues"]["tags"] == [{"name": "vpn", "count": 2}, {"name": "mac", "count": 1}]


async def test_filters_narrow_every_figure(client: httpx.AsyncClient, desk: dict[str, Any]) -> None:
    s = await summary(client, team_id=desk["y"]["id"])
    assert s["volume"] == {"created": 2, "resolved": 0, "closed": 1}
    assert s["csat"]["answers"] == 0 and s["csat"]["mean"] is None
    mine = await summary(client, agent_id=desk["agent"]["id"])
    assert mine["volume"]["created"] == 2  # A and B are assigned to the agent
    assert mine["csat"]["answers"] == 2
    billing = await summary(client, category="billing")
    assert billing["resolution"]["count"] == 2


async def test_an_empty_period_gives_nulls_not_errors(
    client: httpx.AsyncClient, desk: dict[str, Any]
) -> None:
    s = await summary(client, **{"from": "2025-01-01", "to": "2025-02-01"})
    assert s["volume"] == {"created": 0, "resolved": 0, "closed": 0}
    assert s["first_response"]["mean_seconds"] is None
    assert s["resolution"]["median_seconds"] is None
    assert s["first_contact_resolution"]["rate"] is None
    assert s["csat"]["satisfied_share"] is None and s["nps"]["score"] is None
    assert s["sla"]["first_response"]["compliance"] is None
    assert s["replies_per_resolution"] is None
    assert s["backlog"]["total"] == 1  # the backlog is of now, whatever the period


async def test_a_date_bound_is_midnight_in_the_zone(
    client: httpx.AsyncClient, desk: dict[str, Any]
) -> None:
    # In Tokyo (UTC+9) 3 March starts at 15:00 UTC on 2 March: after A, C, D, E and B (T0+5h
    # = 14:00 UTC) were created.
    s = await summary(client, **{"from": "2026-03-03", "tz": "Asia/Tokyo"})
    assert s["volume"]["created"] == 0
    assert s["period"]["from"] == "2026-03-02T15:00:00Z"
    refused = await client.get(
        "/v1/metrics/summary", params={"from": "2026-03-03", "to": "2026-03-02"}
    )
    assert refused.status_code == 422
    assert (await client.get("/v1/metrics/summary", params={"tz": "Mars/Base"})).status_code == 422
    for bound, rule in (("0", "RFC 3339"), ("0001-01-01", "between the years 1900 and 9000")):
        refused = await client.get("/v1/metrics/summary", params={"from": bound})
        assert refused.status_code == 422 and rule in refused.json()["detail"], refused.text


async def test_a_transfer_between_teams_is_no_first_contact_resolution(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    x, y = await make_team(client), await make_team(client)
    routed = await make_ticket(client)  # no team at first: routing it is no transfer
    moved = await make_ticket(client, team_id=x["id"])
    for ticket in (routed, moved):
        changed = await patch(client, f"/v1/tickets/{ticket['id']}", team_id=y["id"])
        assert changed.status_code == 200, changed.text
        await log(client, ticket["id"])
        await status(client, ticket, "resolved")
    s = await summary(client)
    assert s["first_contact_resolution"] == {"count": 1, "of": 2, "rate": 0.5}


async def test_escalations_and_transfers_are_counted_and_are_no_first_contact(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """Three tickets at tier 1, each with one public reply, all resolved: one escalated to
    tier 2, one transferred to another tier-1 team, one left alone. Escalation rate 1/3 (a
    transfer is no escalation up); first-contact resolution 1/3 (only the one left alone)."""
    desk, other, network = (
        await make_team(client, name="Desk", tier=1),
        await make_team(client, name="Other desk", tier=1),
        await make_team(client, name="Network", tier=2),
    )
    up, sideways, alone = [await make_ticket(client, team_id=desk["id"]) for _ in range(3)]
    assert (await escalate(client, up["id"], to_team_id=network["id"])).status_code == 201
    moved = await patch(client, f"/v1/tickets/{sideways['id']}", team_id=other["id"])
    assert moved.status_code == 200, moved.text
    for ticket in (up, sideways, alone):
        await log(client, ticket["id"])
        await status(client, ticket, "resolved")
    s = await summary(client)
    assert s["escalation_rate"] == {"count": 1, "of": 3, "rate": pytest.approx(1 / 3)}
    assert s["moves"] == {"functional": 1, "hierarchical": 0, "transfers": 1, "deescalations": 0}
    assert s["first_contact_resolution"] == {"count": 1, "of": 3, "rate": pytest.approx(1 / 3)}
    narrowed = await summary(client, team_id=network["id"])
    assert narrowed["moves"]["functional"] == 1 and narrowed["moves"]["transfers"] == 0


async def test_agents_see_the_figures_of_their_tickets_only(
    app, client: httpx.AsyncClient, desk: dict[str, Any]
) -> None:  # type: ignore[no-untyped-def]
    other_team_agent = await make_agent(client, team_id=desk["y"]["id"])
    async with client_for(app, await new_key(app, "agent", agent_id=other_team_agent["id"])) as c:
        s = await summary(c)
    assert s["volume"] == {"created": 2, "resolved": 0, "closed": 1}  # C and D, team Y's
    assert s["csat"]["answers"] == 0


async def test_per_agent_figures(client: httpx.AsyncClient, desk: dict[str, Any]) -> None:
    answered = await client.get("/v1/metrics/agents", params=PERIOD)
    assert answered.status_code == 200, answered.text
    [agent] = answered.json()["items"]
    assert agent["agent_id"] == desk["agent"]["id"]
    assert agent["resolved"] == 2  # A and B
    assert agent["resolution_mean_seconds"] == pytest.approx((3 + 8) * H / 2)
    assert agent["first_contact_resolutions"] == 1
    assert agent["public_replies"] == 5  # A, D, E, B twice
    assert agent["handle_seconds"] == 0 and agent["handle_seconds_per_resolved"] == 0
    assert (agent["csat_mean"], agent["csat_answers"]) == (3.5, 2)


async def test_metrics_read_from_the_replica_when_one_is_set(db: Database) -> None:
    from app.main import create_app
    from app.settings import Settings

    settings = Settings(database_url=db.url, database_read_url=db.url, rate_limit_per_minute=0)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        desk = app.state.desk
        assert desk.replica is not None and desk.reads is desk.replica
        assert desk.replica.pool is not desk.db.pool
        async with client_for(app, await new_key(app, "viewer")) as c:
            assert (await c.get("/v1/metrics/summary")).status_code == 200
    primary_only = create_app(Settings(database_url=db.url, rate_limit_per_minute=0))
    async with primary_only.router.lifespan_context(primary_only):
        assert primary_only.state.desk.reads is primary_only.state.desk.db


async def test_first_response_and_resolution_in_business_time(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """Mon–Fri 09–17 Amsterdam. Opened Thu 26 Mar 16:00, answered Fri 10:00, resolved Fri
    12:00: wall clock 18 h and 20 h; business time 1 h + 1 h = 2 h and 1 h + 3 h = 4 h."""
    calendar = await office_calendar(client)
    policy = {"name": "Office", "position": 1, "targets": targets(240, 480, 960)}
    policy |= {"calendar_id": calendar["id"]}
    assert (await client.post("/v1/sla-policies", json=policy)).status_code == 201
    clock.set(datetime.fromisoformat("2026-03-26T16:00:00+01:00"))
    ticket = await make_ticket(client, impact="user", urgency="medium")
    clock.set(datetime.fromisoformat("2026-03-27T10:00:00+01:00"))
    await log(client, ticket["id"], kind="email", direction="outbound", public=True)
    clock.set(datetime.fromisoformat("2026-03-27T12:00:00+01:00"))
    await status(client, ticket, "resolved")
    s = await summary(client)
    assert s["first_response"]["mean_seconds"] == pytest.approx(18 * H)
    assert s["first_response"]["business"] == {
        "count": 1,
        "mean_seconds": 2 * H,
        "median_seconds": pytest.approx(2 * H, rel=PERCENTILE),
        "p90_seconds": pytest.approx(2 * H, rel=PERCENTILE),
    }
    assert s["resolution"]["mean_seconds"] == pytest.approx(20 * H)
    assert s["resolution"]["business"]["mean_seconds"] == pytest.approx(4 * H)


async def test_a_metrics_read_is_one_read_only_snapshot_with_its_own_timeout(
    app, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Every figure of a summary from one snapshot; a year's figures may run longer than the
    30 s other statements get (HELPDESK_METRICS_STATEMENT_TIMEOUT_SECONDS), nothing written."""
    from app.services import metrics

    desk = app.state.desk
    monkeypatch.setattr(
        desk, "settings", desk.settings.model_copy(update={"metrics_statement_timeout_seconds": 90})
    )
    async with metrics._reading(desk) as conn:
        assert await conn.fetchval("SHOW statement_timeout") == "90s"
        assert await conn.fetchval("SHOW transaction_isolation") == "repeatable read"
        assert await conn.fetchval("SHOW transaction_read_only") == "on"
    async with connection(desk.db) as conn:
        assert await conn.fetchval("SHOW statement_timeout") == "30s"
