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


async def answer_survey(
    client: httpx.AsyncClient, ticket_id: int, kind: str = "csat", score: int = 5, **fields: Any
) -> dict[str, Any]:
    body = {"kind": kind, "score": score} | fields
    return await created(await client.post(f"/v1/tickets/{ticket_id}/surveys", json=body))
