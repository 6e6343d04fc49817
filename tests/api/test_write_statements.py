"""The busiest writes stay few round trips: a PATCH and an internal note each write the ticket's
columns, history and events in one statement after one locking read and the timers' check."""

from collections.abc import Iterator

import httpx
import pytest

from app.db import AuditedConnection
from tests.api.factories import make_ticket


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement the app sends while the test runs, in order."""
    sent: list[str] = []
    for name in ("execute", "fetch", "fetchrow", "fetchval"):
        original = getattr(AuditedConnection, name)

        def counting(original=original):  # type: ignore[no-untyped-def]
            async def send(self, query, *args, **kw):  # type: ignore[no-untyped-def]
                sent.append(" ".join(str(query).split()))
                return await original(self, query, *args, **kw)

            return send

        monkeypatch.setattr(AuditedConnection, name, counting())
    yield sent


async def test_a_patch_is_a_lock_a_timer_check_and_one_write(
    client: httpx.AsyncClient, statements: list[str]
) -> None:
    ticket = await make_ticket(client)
    etag = (await client.get(f"/v1/tickets/{ticket['id']}")).headers["etag"]
    statements.clear()
    r = await client.patch(
        f"/v1/tickets/{ticket['id']}",
        json={"urgency": "high", "subject": "Printer jams on floor 4"},
        headers={"If-Match": etag},
    )
    assert r.status_code == 200, r.text
    assert statements[0].startswith("BEGIN") and statements[-1].startswith("COMMIT")
    assert len(statements) == 5, statements
    history = (await client.get(f"/v1/tickets/{ticket['id']}/history")).json()["items"]
    assert {"subject", "urgency"} <= {h["field"] for h in history}


async def test_an_internal_note_is_a_lock_an_insert_a_timer_check_and_one_write(
    client: httpx.AsyncClient, statements: list[str]
) -> None:
    ticket = await make_ticket(client)
    statements.clear()
    r = await client.post(
        f"/v1/tickets/{ticket['id']}/interactions",
        json={"kind": "note", "direction": "internal", "public": False, "body": "Spooler log."},
    )
    assert r.status_code == 201, r.text
    assert len(statements) == 6, statements
    events = (await client.get("/v1/events", params={"ticket_id": ticket["id"]})).json()["items"]
    assert "interaction.added" in {e["type"] for e in events}
