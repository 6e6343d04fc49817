"""The reference for bench/tickets.py: the least a ticket API can do (FastAPI + asyncpg, one query)."""

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id bigserial PRIMARY KEY,
    subject text NOT NULL,
    description text,
    impact text NOT NULL,
    urgency text NOT NULL,
    channel text NOT NULL,
    status text NOT NULL DEFAULT 'new',
    tags text[] NOT NULL DEFAULT '{}',
    customer jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS tickets_created_at_id_idx ON tickets (created_at, id);
"""
COLUMNS = "id, subject, description, impact, urgency, channel, status, tags, customer, created_at"


class TicketIn(BaseModel):
    subject: str
    description: str | None = None
    impact: str = "user"
    urgency: str = "medium"
    channel: str = "api"
    tags: list[str] = []
    customer: dict[str, Any] | None = None


def _out(row: asyncpg.Record) -> dict[str, Any]:
    return dict(row) | {"customer": json.loads(row["customer"]) if row["customer"] else None}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["REFERENCE_DATABASE_URL"], max_size=20)
    async with app.state.pool.acquire() as conn:
        await conn.execute(SCHEMA)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/tickets", status_code=201)
async def create(body: TicketIn) -> dict[str, Any]:
    row = await app.state.pool.fetchrow(
        f"INSERT INTO tickets (subject, description, impact, urgency, channel, tags, customer) "
        f"VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}",
        body.subject,
        body.description,
        body.impact,
        body.urgency,
        body.channel,
        body.tags,
        json.dumps(body.customer) if body.customer else None,
    )
    return _out(row)


@app.get("/tickets/{ticket_id}")
async def get(ticket_id: int) -> dict[str, Any]:
    row = await app.state.pool.fetchrow(f"SELECT {COLUMNS} FROM tickets WHERE id = $1", ticket_id)
    if row is None:
        raise HTTPException(404)
    return _out(row)


@app.get("/tickets")
async def first_page(limit: int = 50) -> dict[str, Any]:
    rows = await app.state.pool.fetch(
        f"SELECT {COLUMNS} FROM tickets ORDER BY created_at DESC, id DESC LIMIT $1", limit
    )
    return {"items": [_out(r) for r in rows], "next_cursor": None}
