"""GET /metrics: Prometheus text that prometheus_client's own parser reads, with the desk's
figures and the HTTP metrics labelled by route template."""

from datetime import timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families

from app.db import Database, connection
from tests.api.conftest import client_for, new_key
from tests.api.factories import make_agent, make_team, make_ticket
from tests.fakes import FakeClock


async def scrape(client: httpx.AsyncClient) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    answered = await client.get("/metrics")
    assert answered.status_code == 200, answered.text
    assert answered.headers["content-type"].startswith("text/plain")
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(answered.text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


async def test_open_and_breached_tickets_by_status_priority_and_team(
    client: httpx.AsyncClient, clock: FakeClock, db: Database
) -> None:
    team = await make_team(client)
    late = await make_ticket(client, team_id=team["id"], priority="high", priority_reason="VIP")
    await make_ticket(client, team_id=team["id"], priority="high", priority_reason="VIP")
    await make_ticket(client, priority="low", priority_reason="minor")
    async with connection(db) as conn:
        await conn.execute(
            "UPDATE tickets SET sla_due_at = $2 WHERE id = $1",
            late["id"],
            clock.now() - timedelta(minutes=1),
        )
        await conn.execute(
            "INSERT INTO sla_events (ticket_id, metric, kind, due_at, recorded_at) VALUES"
            " ($1, 'first_response', 'breach', $2, $2), ($1, 'resolution', 'warning', $2, $2)",
            late["id"],
            clock.now(),
        )
    s = await scrape(client)
    team_high = (("priority", "high"), ("status", "new"), ("team", str(team["id"])))
    assert s["helpdesk_open_tickets"][team_high] == 2
    assert s["helpdesk_open_tickets"][(("priority", "low"), ("status", "new"), ("team", ""))] == 1
    assert s["helpdesk_open_breached_tickets"][team_high] == 1
    events = s["helpdesk_sla_events_total"]
    assert events[(("kind", "breach"), ("metric", "first_response"))] == 1
    assert events[(("kind", "warning"), ("metric", "resolution"))] == 1
    assert s["helpdesk_timers_pending"][()] >= 3  # each new ticket's SLA timers
    assert s["helpdesk_worker_lag_seconds"][()] == 0.0


async def test_http_metrics_are_labelled_by_route_template_never_the_raw_path(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    ticket = await make_ticket(client)
    for _ in range(2):
        assert (await client.get(f"/v1/tickets/{ticket['id']}")).status_code == 200
    assert (await client.get("/v1/no-such-thing/12345")).status_code == 404
    s = await scrape(client)
    requests = s["helpdesk_http_requests_total"]
    routes = {dict(labels)["route"] for labels in requests}
    assert "/v1/tickets/{ticket_id}" in routes and "unmatched" in routes
    templates = set(app.openapi()["paths"])
    assert routes <= templates | {"unmatched"}, routes - templates
    read = (("method", "GET"), ("route", "/v1/tickets/{ticket_id}"), ("status", "200"))
    assert requests[read] >= 2
    count = s["helpdesk_http_request_duration_seconds_count"]
    assert count[(("method", "GET"), ("route", "/v1/tickets/{ticket_id}"))] >= 2


async def test_a_key_sees_the_figures_of_its_own_tickets(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = await make_team(client), await make_team(client)
    agent = await make_agent(client, team_id=ours["id"])
    await make_ticket(client, team_id=ours["id"])
    await make_ticket(client, team_id=theirs["id"])
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as c:
        s = await scrape(c)
    assert {dict(labels)["team"] for labels in s["helpdesk_open_tickets"]} == {str(ours["id"])}
    async with client_for(app, None) as anonymous:
        assert (await anonymous.get("/metrics")).status_code == 401
