"""The status lifecycle over the API: every allowed move works, every other is 409 naming the options."""

import httpx
import pytest

from app.domain.lifecycle import STATUSES, TRANSITIONS
from tests.api.factories import make_ticket, patch

PATHS = {
    "new": [],
    "open": ["open"],
    "pending": ["pending"],
    "on_hold": ["on_hold"],
    "resolved": ["resolved"],
    "closed": ["closed"],
}


async def _ticket_in(client: httpx.AsyncClient, status: str) -> str:
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}"
    for step in PATHS[status]:
        assert (await patch(client, path, status=step)).status_code == 200
    return path


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
async def test_transition_table(client: httpx.AsyncClient, current: str, target: str) -> None:
    if current == target:
        return
    path = await _ticket_in(client, current)
    response = await patch(client, path, status=target)
    if target in TRANSITIONS[current]:  # type: ignore[index]
        assert response.status_code == 200, response.text
        assert response.json()["status"] == target
    else:
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["type"].endswith("/invalid-transition")
        assert problem["allowed"] == sorted(TRANSITIONS[current])  # type: ignore[index]
        assert (await client.get(path)).json()["status"] == current


async def test_reopen_counts_and_clears_resolution(client: httpx.AsyncClient) -> None:
    path = await _ticket_in(client, "resolved")
    resolved = (await client.get(path)).json()
    assert resolved["resolved_at"] is not None
    reopened = (await patch(client, path, status="open")).json()
    assert reopened["reopen_count"] == 1 and reopened["resolved_at"] is None
    await patch(client, path, status="resolved")
    closed = (await patch(client, path, status="closed")).json()
    assert closed["closed_at"] is not None
    final = await patch(client, path, status="open")
    assert final.status_code == 409
    assert "closed" in final.json()["detail"]
