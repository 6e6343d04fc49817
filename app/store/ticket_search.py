"""Finding tickets: list filters (the SLA state among them), full-text and fragment search, and
keyset pages of the tickets a caller sees, in a sort or by relevance."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from app.domain.access import Visibility
from app.store import audit
from app.store.paging import KeyColumn, Order, Params, fetch_page
from app.store.tickets import WITH_KEYS, sla_state_sql
from app.store.visibility import visible_sql


@dataclass(frozen=True)
class TicketFilters:
    status: Sequence[str] = ()
    priority: Sequence[str] = ()
    type: Sequence[str] = ()
    channel: Sequence[str] = ()
    team_id: int | None = None
    assignee_id: int | None = None
    escalated_to_id: int | None = None
    unassigned: bool = False
    customer_id: int | None = None
    external_id: str | None = None
    tag: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    sla_state: Sequence[str] = ()
    text: str | None = None  # words or a fragment in the subject, description or interactions
    # The text is searched in public interactions only, never in internal notes: what a
    # customer's search may match (the subject and description are theirs to see).
    public_text_only: bool = False


def _search(text: str, p: Params, configs: Sequence[str], *, public_only: bool) -> tuple[str, str]:
    """(the condition, the relevance) of a text search: words stemmed in every configuration
    a ticket may be indexed with, or the text as a fragment (trigram-indexed: text without
    spaces, such as Thai, and parts of words). `public_only`: the interactions searched are
    the public ones. The ticket's own vector holds its subject and description only."""
    q = p(text, "text")
    pattern = p(
        "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%", "text"
    )
    words = " || ".join(f"websearch_to_tsquery('{c}', {q})" for c in configs)
    plain = f"websearch_to_tsquery('simple', {q})"
    condition = (
        f"(search_vector @@ ({words}) OR subject ILIKE {pattern} OR description ILIKE {pattern}"
        " OR EXISTS (SELECT 1 FROM interactions i WHERE i.ticket_id = tickets.id"
        f"{' AND i.public' if public_only else ''}"
        f" AND (i.search_vector @@ {plain} OR i.body ILIKE {pattern})))"
    )
    relevance = f"(ts_rank(search_vector, {words})::float8 + similarity(subject, {q})::float8)"
    return condition, relevance


def _order(sort: str) -> Order:
    column, descending = SORTS[sort]
    return Order(sort, (column, KeyColumn("id", int)), descending)


SORTS: dict[str, tuple[KeyColumn, bool]] = {
    "created_at": (KeyColumn("created_at", datetime), False),
    "-created_at": (KeyColumn("created_at", datetime), True),
    # The ticket's updated_at and sla_due_at as ticket_keys keeps them, indexed there. The
    # deadline's matches the expression index: tickets with no running clock sort last.
    "updated_at": (KeyColumn("written_at", datetime), False),
    "-updated_at": (KeyColumn("written_at", datetime), True),
    "sla_due_at": (KeyColumn("due_at", datetime, last_if_null=True), False),
}
ORDERS = {sort: _order(sort) for sort in SORTS}
# A sort by a key that moves with the ticket's writes reads the tickets through ticket_keys,
# whose indexes have that order (the ticket's own row keeps none, so that most writes leave
# its indexes alone).
SOURCES = dict.fromkeys(("updated_at", "-updated_at", "sla_due_at"), WITH_KEYS)


def _state_case(states: dict[str, str], order: Sequence[str]) -> str:
    whens = " ".join(f"WHEN {states[s]} THEN '{s}'" for s in order if s in states and s != "met")
    return f"CASE {whens} ELSE 'met' END"


def _where(f: TicketFilters, p: Params, states: dict[str, str]) -> list[str]:
    where: list[str] = []
    if f.sla_state:
        # A state a list item never has (`not_applicable`) matches nothing, not a syntax error.
        matching = [states[s] for s in f.sla_state if s in states]
        where.append("(" + (" OR ".join(matching) or "false") + ")")
    for column, wanted in (
        ("status", f.status),
        ("priority", f.priority),
        ("type", f.type),
        ("channel", f.channel),
    ):
        if len(wanted) == 1:
            # Equality, not ANY: the (status, created_at, id) index then also gives the order.
            where.append(f"{column} = {p(wanted[0], 'text')}")
        elif wanted:
            where.append(f"{column} = ANY({p(list(wanted), 'text[]')})")
    for column, ident in (
        ("team_id", f.team_id),
        ("assignee_id", f.assignee_id),
        ("escalated_to_id", f.escalated_to_id),
        ("customer_id", f.customer_id),
    ):
        if ident is not None:
            where.append(f"{column} = {p(ident, 'bigint')}")
    if f.unassigned:
        where.append("assignee_id IS NULL")
    if f.external_id is not None:
        where.append(f"external_id = {p(f.external_id, 'text')}")
    if f.tag:
        where.append(f"tags @> {p([f.tag], 'text[]')}")
    if f.created_after:
        where.append(f"created_at >= {p(f.created_after, 'timestamptz')}")
    if f.created_before:
        where.append(f"created_at < {p(f.created_before, 'timestamptz')}")
    return where


RELEVANCE = "relevance"


async def page(
    conn: asyncpg.Connection,
    columns: Sequence[str],
    filters: TicketFilters,
    visible: Visibility,
    *,
    state_order: Sequence[str],
    search_configs: Sequence[str] = (),
    sort: str,
    limit: int,
    cursor: str | None,
    now: datetime,
    reader: audit.Reader | None = None,
) -> tuple[list[asyncpg.Record], str | None]:
    """A page of tickets: `columns`, then `sla_state` (the worst state first in
    `state_order`), filtered, in `sort` order after `cursor`; with a `reader`, the listing
    recorded in the audit log by the same statement."""
    p = Params()
    states = sla_state_sql(p(now, "timestamptz"))
    where = _where(filters, p, states)
    order = ORDERS.get(sort)
    if filters.text:
        condition, relevance = _search(
            filters.text, p, search_configs, public_only=filters.public_text_only
        )
        where.append(condition)
        if sort == RELEVANCE:
            order = Order(RELEVANCE, (KeyColumn(relevance, float), KeyColumn("id", int)), True)
    assert order is not None, f"unknown sort {sort!r}"
    limit_to = visible_sql(visible, p)
    if limit_to:
        where.append(limit_to)
    return await fetch_page(
        conn,
        columns=f"{', '.join(columns)}, {_state_case(states, state_order)} AS sla_state",
        source=SOURCES.get(sort, "tickets"),
        where=where,
        params=p,
        order=order,
        cursor=cursor,
        limit=limit,
        recorded=(
            None if reader is None else lambda sql: audit.recording_list(sql, p, "tickets", reader)
        ),
    )
