"""The help-desk audit report: a hand-built desk whose every finding is worked out here, each
check passing on one desk and failing on another; the drill-downs list exactly the rows counted;
the Markdown is CommonMark; kept reports compare with the last one."""

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from markdown_it import MarkdownIt

from app.db import Database, transaction
from app.domain.audit_report import CHECKS
from app.services import audit_report, timer_handlers, timers
from tests.api.conftest import client_for, new_key
from tests.api.factories import make_agent, make_team, make_ticket

FROM = datetime(2026, 2, 1, tzinfo=UTC)
TO = datetime(2026, 3, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
PERIOD = {"from": FROM.isoformat(), "to": TO.isoformat()}


def at(day: int, hour: int = 10, month: int = 2) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@contextmanager
def settings(app: Any, **changed: Any) -> Iterator[None]:
    """The app's settings changed for one test."""
    desk = app.state.desk
    before = desk.settings
    desk.settings = before.model_copy(update=changed)
    try:
        yield
    finally:
        desk.settings = before


async def sql(db: Database, statement: str, *args: Any) -> Any:
    async with transaction(db) as conn:
        return await conn.fetchval(statement, *args)


async def ticket(
    client: httpx.AsyncClient, db: Database, team_id: int, created: datetime, **columns: Any
) -> int:
    """A ticket made through the API, then moved to its moment (and state) in the period."""
    language = columns.pop("language", None)
    made = await make_ticket(
        client, team_id=team_id, **({"language": language} if language else {})
    )
    sets = {"created_at": created, **columns}
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(sets, start=2))
    await sql(db, f"UPDATE tickets SET {assignments} WHERE id = $1", made["id"], *sets.values())
    return int(made["id"])


async def supervise(db: Database, team_id: int, agent_id: int) -> None:
    await sql(db, "UPDATE teams SET supervisor_id = $2 WHERE id = $1", team_id, agent_id)


async def routing_rule(db: Database, team_id: int) -> int:
    return int(
        await sql(
            db,
            """INSERT INTO routing_rules (name, position, conditions, team_id, active, created_at,
                                          updated_at, version)
               VALUES ('Phone to first line', 1, '{}', $1, true, $2, $2, 1) RETURNING id""",
            team_id,
            at(1, 0, month=1),
        )
    )


async def callback(db: Database, ticket_id: int, *, kept: bool) -> int:
    return int(
        await sql(
            db,
            """INSERT INTO callbacks (ticket_id, requested_at, missed_at, status, created_at, done_at)
               VALUES ($1, $2::timestamptz, $2::timestamptz + interval '30 minutes', $3, $2, $4)
               RETURNING id""",
            ticket_id,
            at(10),
            "done" if kept else "missed",
            at(10) if kept else None,
        )
    )


async def escalation(db: Database, ticket_id: int, to_team: int, *, acknowledged: bool) -> int:
    return int(
        await sql(
            db,
            """INSERT INTO escalations (ticket_id, kind, to_team_id, from_tier, to_tier, reason,
                                         trigger, created_at, ack_due_at, acknowledged_at)
               VALUES ($1, 'functional', $2, 1, 2, 'needs the network team', 'manual',
                       $3::timestamptz, $3::timestamptz + interval '1 hour', $4) RETURNING id""",
            ticket_id,
            to_team,
            at(11),
            at(11) if acknowledged else None,
        )
    )


async def answer(db: Database, ticket_id: int, kind: str, score: int) -> int:
    return int(
        await sql(
            db,
            """INSERT INTO survey_responses (ticket_id, kind, score, responded_at)
               VALUES ($1, $2, $3, $4) RETURNING id""",
            ticket_id,
            kind,
            score,
            at(12),
        )
    )


async def reminder(db: Database, ticket_id: int, *, done: bool) -> int:
    # Raised two hours (the default lead) before the next-update deadline.
    return int(
        await sql(
            db,
            """INSERT INTO reminders (ticket_id, kind, due_at, status, created_at, done_at, version)
               VALUES ($1, 'follow_up', $2, $3, $2, $4, 1) RETURNING id""",
            ticket_id,
            at(13),
            "done" if done else "open",
            at(13, 11) if done else None,
        )
    )


async def article(client: httpx.AsyncClient, **fields: Any) -> int:
    body = {"title": "Reset a password", "body": "Open the portal.", "status": "published"}
    response = await client.post("/v1/kb/articles", json=body | fields)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def search(db: Database, results: int) -> int:
    return int(
        await sql(
            db,
            """INSERT INTO kb_searches (kind, query, language, audience, result_count, result_ids,
                                         searched_at)
               VALUES ('search', 'vpn', 'en', 'internal', $1, '{}', $2) RETURNING id""",
            results,
            at(14),
        )
    )


async def kb_link(db: Database, ticket_id: int, article_id: int) -> None:
    await sql(
        db,
        """INSERT INTO kb_links (ticket_id, article_id, origin, linked_at)
           VALUES ($1, $2, 'agent', $3)""",
        ticket_id,
        article_id,
        at(6),
    )


async def scorecard(db: Database) -> int:
    card = await sql(
        db,
        """INSERT INTO qa_scorecards (name, built_in, current_version, created_at, updated_at,
                                       version)
           VALUES ('Checklist', false, 1, $1, $1, 1) RETURNING id""",
        at(1),
    )
    return int(
        await sql(
            db,
            """INSERT INTO qa_scorecard_versions (scorecard_id, number, sections, created_at)
               VALUES ($1, 1, '[]', $2) RETURNING id""",
            card,
            at(1),
        )
    )


async def review(db: Database, version: int, ticket_id: int, team_id: int, score: float) -> int:
    return int(
        await sql(
            db,
            """INSERT INTO qa_reviews (ticket_id, scorecard_version_id, team_id, reviewer_name,
                                        score, failed, critical_failed, status, reviewed_at,
                                        updated_at, version)
               VALUES ($1, $2, $3, 'Reviewer', $4, $5, false, 'final', $6, $6, 1) RETURNING id""",
            ticket_id,
            version,
            team_id,
            score,
            ["greeting"] if score < 0.8 else [],
            at(15),
        )
    )


async def calibration(db: Database, version: int, alpha: float) -> int:
    return int(
        await sql(
            db,
            """INSERT INTO qa_calibrations (name, scorecard_version_id, ticket_ids, status,
                                             created_at, closed_at, alpha)
               VALUES ('February', $1, '{}', 'closed', $2, $2, $3) RETURNING id""",
            version,
            at(20),
            alpha,
        )
    )


async def call(db: Database, ticket_id: int, seconds: int) -> None:
    await sql(
        db,
        """INSERT INTO interactions (ticket_id, kind, direction, public, author_type, body,
                                      occurred_at, duration_seconds, created_at)
           VALUES ($1, 'call', 'outbound', true, 'agent', 'Called back', $2, $3, $2)""",
        ticket_id,
        at(5),
        seconds,
    )


async def backup(db: Database, verified: datetime) -> int:
    return int(
        await sql(
            db,
            """INSERT INTO backups (taken_at, file, bytes, sha256, tables, verified_at)
               VALUES ($1, 'helpdesk.dump', 1, repeat('a', 64), '{}', $1) RETURNING id""",
            verified,
        )
    )


async def keys_made_before_the_period(db: Database, expires: datetime | None) -> None:
    await sql(db, "UPDATE api_keys SET created_at = $1, expires_at = $2", at(1, month=1), expires)


async def audit(client: httpx.AsyncClient, **extra: str) -> dict[str, Any]:
    response = await client.get("/v1/reports/audit", params=PERIOD | extra)
    assert response.status_code == 200, response.text
    return response.json()


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in report["findings"]}


def outcome(report: dict[str, Any]) -> dict[str, tuple[str, float | None, int | None]]:
    return {f["id"]: (f["verdict"], f["figure"], f["count"]) for f in report["findings"]}


async def drilled(client: httpx.AsyncClient, finding: dict[str, Any]) -> list[Any]:
    response = await client.get(finding["drill_down"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == finding["count"] == len(body["items"]), finding["id"]
    return [row["id"] for row in body["items"]]


@pytest.fixture
async def now(clock) -> AsyncIterator[datetime]:  # type: ignore[no-untyped-def]
    clock.set(at(2, 9, month=3))
    yield clock.now()


THRESHOLDS = {"knowledge.solved_by_article": 0.3, "cost.per_ticket": 15}


async def test_a_desk_in_order_passes_every_check(
    app, client: httpx.AsyncClient, db: Database, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    first = await make_team(client, tier=1)
    second = await make_team(client, tier=2)
    lead = await make_agent(client, team_id=first["id"], role="agent", languages=["en", "de"])
    chief = await make_agent(client, team_id=second["id"], role="agent", languages=["en"])
    await supervise(db, first["id"], lead["id"])
    await supervise(db, second["id"], chief["id"])
    resolved = {"status": "resolved", "resolved_at": at(6)}
    a = await ticket(client, db, first["id"], at(5), language="de-AT", **resolved)
    b = await ticket(client, db, first["id"], at(5), language="en", **resolved)
    await ticket(client, db, first["id"], at(5), language="en", **resolved)
    # Open, but created 2 days before the end and answered in public 12 hours before it.
    await ticket(client, db, first["id"], at(27), language="en", last_public_reply_at=at(28, 12))
    rule = await routing_rule(db, first["id"])
    await sql(db, "UPDATE tickets SET routed_by_rule_id = $2 WHERE id = $1", a, rule)
    await callback(db, a, kept=True)
    await escalation(db, a, second["id"], acknowledged=True)
    await answer(db, a, "csat", 5)
    await reminder(db, b, done=True)
    english = await article(client, language="en", review_by=at(1, month=6).isoformat())
    await article(client, language="de", translation_of=english)
    for results in (3, 2, 1, 1, 0):
        await search(db, results)
    await kb_link(db, a, english)
    version = await scorecard(db)
    await review(db, version, a, first["id"], 0.9)
    await calibration(db, version, 0.8)
    await call(db, a, 900)  # a quarter of an hour at 40 an hour: 10
    await backup(db, at(28))
    await keys_made_before_the_period(db, at(31, month=12))

    with settings(app, audit_thresholds=THRESHOLDS, cost_rates={"default": 40}, retention_days=365):
        report = await audit(client)
    assert report["empty"] is False
    assert outcome(report) == {
        "service.sla.first_response": ("pass", 1.0, 0),
        "service.sla.next_update": ("pass", 1.0, 0),
        "service.sla.resolution": ("pass", 1.0, 0),
        "service.callbacks": ("pass", 1.0, 0),
        "service.escalations": ("pass", 1.0, 0),
        "service.csat": ("pass", 1.0, 0),
        "service.backlog": ("pass", 0.0, 0),
        "process.sla_coverage": ("pass", 0.0, 0),
        "process.tiers": ("pass", 0.0, 0),
        "process.supervisors": ("pass", 0.0, 0),
        "process.languages": ("pass", 0.0, 0),
        "process.routing_rules": ("pass", 0.0, 0),
        "process.escalation_matrix": ("pass", 0.0, 0),
        "process.reminders": ("pass", 1.0, 0),
        "process.updates": ("pass", 0.0, 0),
        "knowledge.review": ("pass", 0.0, 0),
        "knowledge.translations": ("pass", 0.0, 0),
        "knowledge.languages": ("pass", 0.0, 0),
        "knowledge.zero_results": ("pass", 0.2, 1),  # 1 of 5 searches
        "knowledge.solved_by_article": ("pass", 0.3333, 1),  # 1 of 3 resolved
        "quality.score": ("pass", 0.9, 1),
        "quality.coverage": ("pass", 0.3333, 2),  # 2 of 3 resolved unreviewed
        "quality.calibration": ("pass", 0.8, 1),
        "quality.disputes": ("pass", 0.0, 0),
        "cost.per_ticket": ("pass", 10.0, 1),
        "access.admins": ("pass", 1.0, 1),
        "access.unused_keys": ("pass", 0.0, 0),
        "access.keys_without_expiry": ("pass", 0.0, 0),
        "access.backup": ("pass", 0.6, 1),  # verified Feb 28 10:00: 14 hours before the end
        "access.retention": ("pass", 365.0, None),
        "access.audit_gaps": ("pass", 0.0, 0),
    }
    assert {f["severity"] for f in report["findings"]} == {"info"}
    assert {f["id"] for f in report["findings"]} == {c.id for c in CHECKS}


async def test_a_desk_out_of_order_fails_every_check(
    app, client: httpx.AsyncClient, db: Database, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    first = await make_team(client, tier=1)
    top = await make_team(client, tier=3)  # no tier 2 between, nobody active in it
    lone = await make_agent(client, team_id=first["id"], role="agent", languages=["en"])
    gone = await make_agent(client, team_id=top["id"], role="agent", active=False)
    stuck = await ticket(client, db, first["id"], at(3), language="fr", sla_policy_id=None)
    done = await ticket(
        client, db, first["id"], at(4), status="resolved", resolved_at=at(5),
        last_public_reply_at=at(5),
    )  # fmt: skip
    for metric in ("first_response", "next_update", "resolution"):
        await sql(
            db,
            """INSERT INTO sla_events (ticket_id, metric, kind, due_at, recorded_at)
               VALUES ($1, $2, 'breach', $3, $3)""",
            stuck,
            metric,
            at(6),
        )
    rule = await routing_rule(db, first["id"])
    await sql(
        db,
        "UPDATE escalation_matrix SET rules = $1::jsonb",
        '[{"priority": "any", "metric": "any", "on": "breach", "action": "hierarchical"},'
        ' {"priority": "high", "metric": "resolution", "on": "breach", "action": "functional"}]',
    )
    missed = await callback(db, stuck, kept=False)
    late = await escalation(db, stuck, top["id"], acknowledged=False)
    unhappy = await answer(db, done, "csat", 2)
    forgotten = await reminder(db, stuck, done=False)
    english = await article(client, language="en", review_by=at(15).isoformat())
    german = await article(client, language="de", translation_of=english)
    changed = await client.patch(
        f"/v1/kb/articles/{english}", json={"body": "Open the new portal."},
        headers={"If-Match": '"1"'},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    nothing = [await search(db, 0), await search(db, 0)]
    version = await scorecard(db)
    poor = await review(db, version, stuck, first["id"], 0.5)
    dispute = await sql(
        db,
        """INSERT INTO qa_disputes (review_id, ticket_id, reason, raised_at)
           VALUES ($1, $2, 'the greeting was there', $3) RETURNING id""",
        poor,
        stuck,
        at(16),
    )
    split = await calibration(db, version, 0.3)
    await call(db, stuck, 1800)
    await new_key(app, "admin", name="forgotten")  # never used
    for _ in range(3):
        await new_key(app, "admin")
    await keys_made_before_the_period(db, None)
    await sql(
        db, "UPDATE api_keys SET created_at = $1 WHERE name = 'forgotten'", at(1, month=6) - YEAR
    )
    await sql(db, "DROP TRIGGER audit_reminders ON reminders")
    try:
        thresholds = THRESHOLDS | {"service.backlog": 0}
        with settings(app, audit_thresholds=thresholds, cost_rates={"default": 40}):
            report = await audit(client)
            rows = {
                f["id"]: await drilled(client, f) for f in report["findings"] if f["drill_down"]
            }
    finally:
        await sql(db, "SELECT audit_table('reminders')")
    assert outcome(report) == {
        "service.sla.first_response": ("fail", 0.5, 1),  # 1 of 2 tickets breached
        "service.sla.next_update": ("fail", 0.5, 1),
        "service.sla.resolution": ("fail", 0.5, 1),
        "service.callbacks": ("fail", 0.0, 1),
        "service.escalations": ("fail", 0.0, 1),
        "service.csat": ("fail", 0.0, 1),
        "service.backlog": ("fail", 1.0, 1),  # open since Feb 3
        "process.sla_coverage": ("fail", 1.0, 1),
        "process.tiers": ("fail", 2.0, 2),  # tier 1: no tier 2 above; tier 3: nobody active
        "process.supervisors": ("fail", 2.0, 2),
        "process.languages": ("fail", 1.0, 1),
        "process.routing_rules": ("fail", 1.0, 1),
        "process.escalation_matrix": ("fail", 1.0, 1),
        "process.reminders": ("fail", 0.0, 1),
        "process.updates": ("fail", 1.0, 1),
        "knowledge.review": ("fail", 1.0, 1),
        "knowledge.translations": ("fail", 1.0, 1),
        "knowledge.languages": ("fail", 1.0, 1),  # French
        "knowledge.zero_results": ("fail", 1.0, 2),
        "knowledge.solved_by_article": ("fail", 0.0, 0),
        "quality.score": ("fail", 0.5, 1),
        "quality.coverage": ("fail", 0.0, 1),
        "quality.calibration": ("fail", 0.3, 1),
        "quality.disputes": ("fail", 1.0, 1),
        "cost.per_ticket": ("fail", 20.0, 1),
        "access.admins": ("fail", 5.0, 5),  # the client's, "forgotten" and three more
        "access.unused_keys": ("fail", 1.0, 1),
        "access.keys_without_expiry": ("fail", 5.0, 5),
        "access.backup": ("fail", None, 0),
        "access.retention": ("fail", None, None),
        "access.audit_gaps": ("fail", 1.0, 1),
    }
    found = by_id(report)
    assert found["service.sla.first_response"]["severity"] == "fail"
    assert found["process.supervisors"]["severity"] == "warn"
    # The drill-downs list exactly the rows behind each finding.
    assert rows["service.sla.first_response"] == [stuck]
    assert rows["service.callbacks"] == [missed]
    assert rows["service.escalations"] == [late]
    assert rows["service.csat"] == [unhappy]
    assert rows["process.tiers"] == [1, 3]
    assert rows["process.supervisors"] == sorted([first["id"], top["id"]])
    assert rows["process.languages"] == [stuck]
    assert rows["process.routing_rules"] == [rule]
    assert rows["process.escalation_matrix"] == [1]
    assert rows["process.reminders"] == [forgotten]
    assert rows["process.updates"] == [stuck]
    assert rows["knowledge.review"] == [english]
    assert rows["knowledge.translations"] == [german]
    assert rows["knowledge.languages"] == ["fr"]
    assert rows["knowledge.zero_results"] == nothing
    assert rows["quality.disputes"] == [dispute]
    assert rows["quality.calibration"] == [split]
    assert rows["quality.coverage"] == [done]
    assert rows["access.audit_gaps"] == ["reminders"]
    assert gone["active"] is False and lone["id"]


async def test_the_markdown_is_commonmark_with_tables_and_findings_by_severity(
    app, client: httpx.AsyncClient, db: Database, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    team = await make_team(client, tier=1)
    await ticket(client, db, team["id"], at(3))
    response = await client.get(
        "/v1/reports/audit", params=PERIOD, headers={"Accept": "text/markdown"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/markdown")
    document = response.text
    tokens = MarkdownIt("commonmark").enable("table").parse(document)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0] == "Help-desk audit"
    for title in ("Findings by severity", "Service results", "Process health", "Knowledge",
                  "Quality", "Cost", "Access and data", "Not measured"):  # fmt: skip
        assert title in headings
    assert "fail" in headings and "warn" in headings
    assert sum(1 for t in tokens if t.type == "table_open") >= 6
    # Every finding is in the document with its drill-down as a link.
    links = [
        t.attrGet("href")
        for block in tokens
        if block.type == "inline"
        for t in block.children or []
        if t.type == "link_open"
    ]
    report = await audit(client)
    assert {f["drill_down"] for f in report["findings"] if f["drill_down"]} <= set(links)


async def test_an_empty_desk_says_so(client: httpx.AsyncClient, now: datetime) -> None:
    report = await audit(client)
    assert report["empty"] is True
    assert report["summary"].startswith("The desk recorded no tickets in this period")
    found = by_id(report)
    assert found["service.sla.first_response"]["verdict"] == "not_measured"
    assert found["service.csat"]["verdict"] == "not_measured"
    assert found["access.backup"]["verdict"] == "fail"  # no backup ever verified
    document = await client.get(
        "/v1/reports/audit", params=PERIOD, headers={"Accept": "text/markdown"}
    )
    assert document.status_code == 200
    assert "not measured" in document.text


async def test_the_previous_period_is_compared_and_what_got_worse_flagged(
    app, client: httpx.AsyncClient, db: Database, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    team = await make_team(client, tier=1)
    january = await ticket(client, db, team["id"], at(10, month=1))
    await answer(db, january, "csat", 5)
    await sql(db, "UPDATE survey_responses SET responded_at = $1", at(12, month=1))
    february = await ticket(client, db, team["id"], at(10))
    await answer(db, february, "csat", 1)
    report = await audit(client)
    csat = by_id(report)["service.csat"]
    assert (csat["figure"], csat["previous"], csat["worse"]) == (0.0, 1.0, True)
    assert report["previous_period"]["source"] == "the same checks over the previous period"
    assert report["previous_period"]["to"] == FROM.isoformat()


async def test_kept_reports_are_built_by_the_worker_and_the_next_compares_with_the_last(
    app, client: httpx.AsyncClient, db: Database, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    made = await client.post("/v1/reports/audit", json=PERIOD)
    assert made.status_code == 202, made.text
    location = made.headers["Location"]
    assert made.json()["status"] == "pending"
    assert (await client.get(location, headers={"Accept": "text/markdown"})).status_code == 409
    fired = await timer_handlers.fire_due(app.state.desk, now, batch=10)
    assert fired.actions["audit_report"] == 1
    kept = (await client.get(location)).json()
    assert kept["status"] == "ready" and kept["report"]["empty"] is True
    march = {"from": TO.isoformat(), "to": now.isoformat()}
    later = await client.get("/v1/reports/audit", params=march)
    assert later.json()["previous_period"]["source"] == f"stored report {kept['id']}"
    listed = (await client.get("/v1/reports/audit/stored")).json()
    assert [r["id"] for r in listed["items"]] == [kept["id"]]
    markdown = await client.get(location, headers={"Accept": "text/markdown"})
    assert markdown.status_code == 200 and markdown.text.startswith("# Help-desk audit")


async def test_a_supervisor_sees_their_teams_only(
    app, client: httpx.AsyncClient, db: Database, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    theirs = await make_team(client, tier=1)
    other = await make_team(client, tier=1)
    boss = await make_agent(client, team_id=theirs["id"], role="supervisor")
    mine = await ticket(client, db, theirs["id"], at(3), sla_policy_id=None)
    await ticket(client, db, other["id"], at(3), sla_policy_id=None)
    async with client_for(app, await new_key(app, "supervisor", agent_id=boss["id"])) as theirs_c:
        report = await audit(theirs_c)
        assert report["team_ids"] == [theirs["id"]]
        coverage = by_id(report)["process.sla_coverage"]
        assert coverage["count"] == 1
        assert await drilled(theirs_c, coverage) == [mine]
        assert not any(f["section"] == "access" for f in report["findings"])
        refused = await theirs_c.get("/v1/reports/audit/findings/access.admins/rows", params=PERIOD)
        assert refused.status_code == 404
    async with client_for(app, await new_key(app, "agent")) as agent:
        assert (await agent.get("/v1/reports/audit", params=PERIOD)).status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"from": TO.isoformat(), "to": FROM.isoformat()},
        {"from": "2024-01-01T00:00:00Z", "to": TO.isoformat()},
        {"from": "yesterday"},
        {"since": FROM.isoformat()},
    ],
)
async def test_a_bad_period_is_refused_naming_it(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await client.get("/v1/reports/audit", params=params)
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    made = await client.post("/v1/reports/audit", json=params)
    assert made.status_code in (400, 422)
    assert (await client.get("/v1/reports/audit/stored")).json()["items"] == []


async def test_an_unknown_finding_has_no_rows(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/reports/audit/findings/service.nothing/rows", params=PERIOD)
    assert response.status_code == 404


async def test_the_schedule_keeps_last_months_report_says_it_is_ready_and_arms_the_next(
    app, client: httpx.AsyncClient, db: Database, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    async with transaction(db) as conn:
        await timers.schedule_subject(
            conn, timers.AUDIT_SCHEDULE, 0, at(1, 0, month=3), now=now, wake_within=30
        )
    fired = await timer_handlers.fire_due(app.state.desk, now, batch=10)
    assert fired.actions["audit_report"] == 1
    kept = (await client.get("/v1/reports/audit/stored")).json()["items"]
    assert [(r["origin"], r["status"], r["period"]) for r in kept] == [
        ("schedule", "ready", {"from": FROM.isoformat().replace("+00:00", "Z"),
                               "to": TO.isoformat().replace("+00:00", "Z")})
    ]  # fmt: skip
    async with transaction(db) as conn:
        events = await conn.fetch("SELECT ticket_id, type, payload FROM events")
        armed = await conn.fetch(
            "SELECT subject_id, due_at FROM timers WHERE kind = $1 AND fired_at IS NULL",
            timers.AUDIT_SCHEDULE,
        )
    assert [(e["ticket_id"], e["type"]) for e in events] == [(None, "report.ready")]
    assert [(a["subject_id"], a["due_at"]) for a in armed] == [(0, at(1, 0, month=4))]


async def test_a_starting_worker_arms_the_schedule_once(app, db: Database, now: datetime) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):  # two workers starting
        await audit_report.keep_schedule(app.state.desk, now)
    async with transaction(db) as conn:
        armed = await conn.fetch("SELECT subject_id, due_at FROM timers WHERE kind = $1",
                                 timers.AUDIT_SCHEDULE)  # fmt: skip
    assert [(a["subject_id"], a["due_at"]) for a in armed] == [(0, at(1, 0, month=4))]
