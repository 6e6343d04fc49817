"""Test data through the API, with sensible defaults: override only what a test is about."""

import itertools
from typing import Any

import httpx

_seq = itertools.count(1)


async def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return response.json()


async def make_team(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"name": f"Team {next(_seq)}", "tier": 1} | fields
    return await created(await client.post("/v1/teams", json=body))


async def make_agent(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    n = next(_seq)
    body = {"name": f"Agent {n}", "email": f"agent{n}@desk.example.com"} | fields
    return await created(await client.post("/v1/agents", json=body))


async def make_customer(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    n = next(_seq)
    body = {"name": f"Customer {n}", "email": f"customer{n}@example.com"} | fields
    return await created(await client.post("/v1/customers", json=body))


async def make_ticket(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"subject": f"Problem {next(_seq)}", "channel": "phone"} | fields
    return await created(await client.post("/v1/tickets", json=body))


async def log(client: httpx.AsyncClient, ticket_id: int, **fields: Any) -> dict[str, Any]:
    body = {"kind": "email", "direction": "outbound", "public": True, "body": "Hello"} | fields
    return await created(await client.post(f"/v1/tickets/{ticket_id}/interactions", json=body))


async def patch(
    client: httpx.AsyncClient, path: str, version: int | None = None, **fields: Any
) -> httpx.Response:
    """PATCH with If-Match: the given version, or the current one read first."""
    if version is None:
        version = (await client.get(path)).json()["version"]
    return await client.patch(path, json=fields, headers={"If-Match": f'"{version}"'})


def compose_email(
    *,
    sender: str = "Ada Lovelace <ada@example.com>",
    subject: str = "Printer jams",
    body: str = "The printer on floor 2 jams on every page.",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A plain-text RFC 5322 message as a gateway forwards it (a fresh Message-ID by default)."""
    lines = [
        f"From: {sender}",
        "To: support@desk.example.com",
        f"Subject: {subject}",
        "Date: Mon, 02 Mar 2026 09:00:00 +0000",
        f"Message-ID: {message_id or f'<m{next(_seq)}@mail.example.com>'}",
    ]
    if in_reply_to:
        lines.append(f"In-Reply-To: {in_reply_to}")
    if references:
        lines.append(f"References: {references}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", body, ""]
    return "\r\n".join(lines).encode()


async def send_email(client: httpx.AsyncClient, raw: bytes) -> httpx.Response:
    return await client.post(
        "/v1/inbound/email", content=raw, headers={"Content-Type": "message/rfc822"}
    )


async def escalate(
    client: httpx.AsyncClient, ticket_id: int, kind: str = "functional", **fields: Any
) -> httpx.Response:
    body = {"kind": kind, "reason": f"reason {next(_seq)}"} | fields
    return await client.post(f"/v1/tickets/{ticket_id}/escalations", json=body)


async def make_webhook(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"url": "https://hooks.example.com/helpdesk", "event_types": ["ticket.created"]} | fields
    return await created(await client.post("/v1/webhooks", json=body))


async def follow_events(
    client: httpx.AsyncClient, cursor: str | None = None, **params: Any
) -> tuple[list[dict[str, Any]], str]:
    """Every event after `cursor` in the feed, and the cursor to follow with."""
    seen: list[dict[str, Any]] = []
    while True:
        query = {"limit": 200, **params} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/v1/events", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if not page["items"]:
            return seen, cursor


async def answer_survey(
    client: httpx.AsyncClient, ticket_id: int, kind: str = "csat", score: int = 5, **fields: Any
) -> dict[str, Any]:
    body = {"kind": kind, "score": score} | fields
    return await created(await client.post(f"/v1/tickets/{ticket_id}/surveys", json=body))
