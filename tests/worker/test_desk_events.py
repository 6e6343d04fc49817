"""Desk events (about no ticket) reach webhooks in order, retried by a timer about the desk."""

from typing import Any

from app.clock import utcnow
from app.db import transaction
from app.domain.events import KB_ARTICLE_PUBLISHED, REPORT_READY
from app.services import timers
from app.services.tickets import change
from tests.api.factories import make_webhook
from tests.worker.receiver import Receiver
from tests.worker.test_webhooks import Delivering, _verified, delivering  # noqa: F401


async def _desk_event(db: Any, type: str, payload: dict[str, Any]) -> None:
    async with transaction(db) as conn:
        await change.record(conn, [], [(type, None, payload)], at=utcnow())


async def test_desk_events_reach_webhooks_in_order_retried_by_a_timer_about_the_desk(
    delivering: Delivering,  # noqa: F811
) -> None:
    async with Receiver(fail_first=2) as receiver:
        hook = await make_webhook(
            delivering.client,
            url=f"{receiver.url}/kb",
            event_types=[KB_ARTICLE_PUBLISHED, REPORT_READY],
        )
        for n in range(3):
            await _desk_event(delivering.desk.db, KB_ARTICLE_PUBLISHED, {"article_id": n})
        await _desk_event(delivering.desk.db, REPORT_READY, {"report_id": 1})
        async with transaction(delivering.desk.db) as conn:
            pending = await conn.fetch("SELECT ticket_id, subject_id, kind FROM timers")
        assert pending == []  # nothing failed yet
        await delivering.until_settled()
    bodies = [_verified(r, hook["secret"]) for r in receiver.delivered()]
    assert [b["type"] for b in bodies] == [KB_ARTICLE_PUBLISHED] * 3 + [REPORT_READY]
    assert [b["data"].get("article_id") for b in bodies[:3]] == [0, 1, 2]
    # In order, failed attempts included: the first event was asked for three times.
    asked = [r.body for r in receiver.requests]
    assert asked == sorted(asked, key=lambda b: int(b.split(b'"event_id":')[1].split(b"}")[0]))
    deliveries = (await delivering.client.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()
    assert {(d["status"], d["ticket_id"]) for d in deliveries["items"]} == {("delivered", None)}
    async with transaction(delivering.desk.db) as conn:
        retries = await conn.fetch(
            "SELECT ticket_id, subject_id FROM timers WHERE kind = $1", timers.WEBHOOK_RETRY
        )
    assert retries and all(r["ticket_id"] is None and r["subject_id"] == 0 for r in retries)
