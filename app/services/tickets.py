"""Ticket use cases: create (idempotent), read, list, update with If-Match, split and link."""

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import asyncpg
from pydantic_core import to_jsonable_python
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.db import in_transaction, raw_connection
from app.domain import lifecycle
from app.domain.priority import decide_priority
from app.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PreconditionFailed,
    UnprocessableEntity,
)
from app.models import Customer, Ticket, TicketLink
from app.schemas import (
    CustomerRef,
    LinkCreate,
    LinkOut,
    TicketCreate,
    TicketOut,
    TicketSlaDetail,
    TicketSlaOut,
    TicketSplit,
    TicketUpdate,
)
from app.services import config, history, idempotency, records, sla, ticket_list
from app.services.auth import Principal
from app.services.idempotency import Outcome

# A clock a few minutes fast on the caller's side is not an attempt to create the future.
CLOCK_SKEW = timedelta(minutes=5)

# Fields a PATCH copies onto the ticket as they are; the others have rules of their own.
PLAIN_FIELDS = (
    "subject",
    "description",
    "category",
    "tags",
    "channel",
    "customer_id",
    "team_id",
    "assignee_id",
    "tier",
    "language",
    "product",
    "model_number",
    "serial_number",
    "account_number",
    "equipment_location",
)


# Fields a PATCH may set but not clear.
NOT_NULL = ("subject", "channel", "tags", "status", "type", "impact", "urgency", "tier")


# TicketOut's fields in its order, and the table behind them. Reads render rows straight into
# this shape: rendering is the hot path of every read, and validating what the database returned
# would only check it against itself (tests check the shape against the schema).
OUT_FIELDS = tuple(name for name in TicketOut.model_fields if name != "sla")
TICKETS = Ticket.__table__  # type: ignore[attr-defined]
_SELECT_TICKET = f"SELECT {', '.join(c.name for c in TICKETS.columns)} FROM tickets"
# A ticket: the model, or a row read or inserted in SQL (a namespace of the model's attributes).
TicketLike = Ticket | SimpleNamespace


def ticket_fields(ticket: TicketLike) -> dict[str, Any]:
    """The ticket's own fields as TicketOut shows them (Python values, not yet JSON)."""
    return {
        name: ticket.priority_override is not None
        if name == "priority_overridden"
        else getattr(ticket, name)
        for name in OUT_FIELDS
    }


# A list item's columns: TicketOut's fields in its order, then what its SLA summary needs. The
# row becomes the item with no per-field Python: a list page renders 50 of them.
LIST_COLUMNS = (
    *(
        "priority_override IS NOT NULL AS priority_overridden"
        if name == "priority_overridden"
        else name
        for name in OUT_FIELDS
    ),
    "sla_policy_id",
    "sla_due_at",
    "sla_warning_at",
)


def _list_item(row: Any) -> dict[str, Any]:
    # zip stops at OUT_FIELDS' end: the summary's columns come after them.
    item = dict(zip(OUT_FIELDS, row))  # noqa: B905
    item["sla"] = sla.summary(row)
    return item


def ticket_out(ticket: TicketLike, book: sla.PolicyBook, now: datetime) -> dict[str, Any]:
    """The ticket as TicketOut, with its full SLA clocks, JSON-ready."""
    return with_clocks(ticket, sla.view(ticket, book, now))


def with_clocks(ticket: TicketLike, clocks: TicketSlaOut) -> dict[str, Any]:
    """The ticket as TicketOut with the clocks given, JSON-ready."""
    return to_jsonable_python({**ticket_fields(ticket), "sla": clocks})


async def organization_of(db: AsyncSession, customer_id: int | None) -> str | None:
    """The organization of a ticket's customer (policies may match on it)."""
    if customer_id is None:
        return None
    return await db.scalar(select(Customer.organization).where(Customer.id == customer_id))


async def refresh_sla(
    db: AsyncSession, ticket: Ticket, now: datetime, *, fresh: bool = False
) -> sla.PolicyBook:
    """Recompute the ticket's clocks after a change; returns the policies used, for rendering."""
    book = (await config.for_writing(await in_transaction(db))).book
    organization = await organization_of(db, ticket.customer_id)
    await sla.apply(db, ticket, book, now, organization=organization, fresh=fresh)
    return book


def _invalid(field: str, message: str) -> UnprocessableEntity:
    return UnprocessableEntity(f"{field}: {message}", errors=[{"field": field, "message": message}])


async def get_for_update(db: AsyncSession, ticket_id: int) -> Ticket:
    return await records.get(db, Ticket, ticket_id, for_update=True)


# ---- create ----------------------------------------------------------------------------------


async def create_ticket(
    engine: AsyncEngine,
    data: TicketCreate,
    *,
    actor: Principal,
    now: datetime,
    idempotency_key: str | None,
) -> Outcome:
    """201 with the new ticket; 200 with the existing one when `external_id` was seen before.

    The busiest write, in SQL on a leased connection: reads first (the customer with the
    configuration revision; the team and assignee when given; an external_id's ticket), then one
    statement that inserts the ticket, its "created" history line and its timers. A single
    statement is atomic on its own, so without an Idempotency-Key (and for a customer already
    known) there is no BEGIN or COMMIT to wait for."""
    actor.demand("write")
    if data.created_at is not None:
        actor.demand("import_history")
        if data.created_at > now + CLOCK_SKEW:
            raise _invalid("created_at", "must not be in the future")
    if data.customer_id is not None and data.customer is not None:
        raise _invalid("customer", "give customer_id or customer, not both")
    # Two gateway retries racing on one external_id: the loser's insert violates the unique index,
    # its statement (or transaction) rolls back whole, and the second pass finds the winner's
    # ticket.
    for attempt in range(2):
        try:
            async with raw_connection(engine) as conn:
                if idempotency_key is None:
                    return await _create(conn, data, actor=actor, now=now)
                async with conn.transaction():
                    return await idempotency.once(
                        conn,
                        actor,
                        idempotency_key,
                        "tickets.create",
                        data,
                        lambda: _create(conn, data, actor=actor, now=now),
                        now=now,
                    )
        except asyncpg.UniqueViolationError as exc:
            if attempt == 0 and exc.constraint_name == "tickets_channel_external_id_key":
                continue
            raise
    raise AssertionError("unreachable")


_BY_EXTERNAL_ID = f"{_SELECT_TICKET} WHERE channel = $1 AND external_id = $2"
# The customer a new ticket names (by id, or by email for an inline one) with the configuration
# revision, in one round trip; no customer row when there is none.
_CUSTOMER_BY_ID = (
    "SELECT r.revision, c.id, c.organization FROM config_revision r"
    " LEFT JOIN customers c ON c.id = $1"
)
_CUSTOMER_BY_EMAIL = (
    "SELECT r.revision, c.id, c.organization FROM config_revision r"
    " LEFT JOIN customers c ON lower(c.email) = lower($1)"
)


async def _create(
    conn: asyncpg.Connection, data: TicketCreate, *, actor: Principal, now: datetime
) -> Outcome:
    if data.external_id is not None:
        existing = await conn.fetchrow(_BY_EXTERNAL_ID, data.channel, data.external_id)
        if existing is not None:
            book = (await config.for_writing(conn)).book
            return Outcome(200, ticket_out(SimpleNamespace(**existing), book, now))
    if data.customer is not None:
        found = await conn.fetchrow(_CUSTOMER_BY_EMAIL, data.customer.email)
        if found["id"] is None:
            # A customer not seen before is written first, in one transaction with the ticket
            # (a savepoint under an idempotent request's): the policy is then chosen with the
            # organization stored, which a concurrent request may have set a moment ago.
            ref = data.customer.model_dump()
            async with conn.transaction():
                customer = await conn.fetchrow(
                    _UPSERT_CUSTOMER, *(ref[f] for f in _CUSTOMER_FIELDS), now
                )
                return await _create_for(
                    conn, data, customer["id"], customer["organization"], found["revision"],
                    actor=actor, now=now,
                )  # fmt: skip
    elif data.customer_id is not None:
        found = await conn.fetchrow(_CUSTOMER_BY_ID, data.customer_id)
        if found["id"] is None:
            raise _invalid("customer_id", f"customer {data.customer_id} does not exist")
    else:
        return await _create_for(conn, data, None, None, None, actor=actor, now=now)
    return await _create_for(
        conn, data, found["id"], found["organization"], found["revision"], actor=actor, now=now
    )


_CUSTOMER_FIELDS = tuple(CustomerRef.model_fields)
# "DO UPDATE" with a no-op rather than "DO NOTHING": a customer created by a concurrent request
# since the lookup is still returned, with the organization stored.
_UPSERT_CUSTOMER = (
    f"INSERT INTO customers ({', '.join(_CUSTOMER_FIELDS)}, created_at, updated_at, version)"
    f" VALUES ({', '.join(f'${i}' for i in range(1, len(_CUSTOMER_FIELDS) + 1))},"
    f" ${len(_CUSTOMER_FIELDS) + 1}, ${len(_CUSTOMER_FIELDS) + 1}, 1)"
    " ON CONFLICT (lower(email)) DO UPDATE SET updated_at = customers.updated_at"
    " RETURNING id, organization"
)


async def _create_for(
    conn: asyncpg.Connection,
    data: TicketCreate,
    customer_id: int | None,
    organization: str | None,
    revision: int | None,
    *,
    actor: Principal,
    now: datetime,
) -> Outcome:
    """Create the ticket for this customer (the revision, if already read, saves a read)."""
    snapshot = await config.for_writing(conn, revision=revision)
    ticket, clocks = await _new_ticket(
        conn,
        data,
        subject=data.subject,
        channel=data.channel,
        customer_id=customer_id,
        organization=organization,
        external_id=data.external_id,
        opened_at=data.created_at or now,
        actor=actor,
        now=now,
        snapshot=snapshot,
        created={"status": "new"},
    )
    return Outcome(201, with_clocks(ticket, clocks))


# Every column a new ticket is inserted with, in one statement together with its "created"
# history line and its SLA timers: a create is the busiest write, and one round trip instead of
# one per row is most of its cost.
_NEW_TICKET_COLUMNS = tuple(c.name for c in TICKETS.columns if c.name != "id")
_HISTORY_PARAMS = ("h_at", "h_new", "actor_type", "actor_key_id", "actor_name")
_TIMER_PARAMS = ("timer_kinds", "timer_dues")


def _insert_new_ticket_sql(*, notify: bool) -> tuple[str, tuple[str, ...]]:
    """The statement, and the names of its parameters in order ($1, $2, …)."""
    names = [*_NEW_TICKET_COLUMNS, *_HISTORY_PARAMS, *_TIMER_PARAMS]
    if notify:
        names.append("wake")
    at = {name: f"${i}" for i, name in enumerate(names, start=1)}
    values = {c: at[c] for c in _NEW_TICKET_COLUMNS}
    values["status_log"] = f"{at['status_log']}::jsonb"
    wake = f", pg_notify('{sla.TIMERS_CHANNEL}', {at['wake']})" if notify else ""
    sql = f"""
        WITH t AS (
            INSERT INTO tickets ({", ".join(values)}) VALUES ({", ".join(values.values())})
            RETURNING id
        ), h AS (
            INSERT INTO ticket_history
                (ticket_id, at, action, new_value, actor_type, actor_key_id, actor_name)
            SELECT id, {at["h_at"]}, 'created', {at["h_new"]}::jsonb, {at["actor_type"]},
                {at["actor_key_id"]}::bigint, {at["actor_name"]}
            FROM t
        ), armed AS (
            INSERT INTO timers (ticket_id, kind, due_at, created_at)
            SELECT t.id, x.kind, x.due_at, now()
            FROM t, unnest({at["timer_kinds"]}::text[], {at["timer_dues"]}::timestamptz[])
                AS x(kind, due_at)
        )
        SELECT id{wake} FROM t
        """
    return sql, tuple(names)


_INSERT_NEW_TICKET = {notify: _insert_new_ticket_sql(notify=notify) for notify in (False, True)}


async def _new_ticket(
    conn: asyncpg.Connection,
    fields: TicketCreate | TicketSplit,
    *,
    subject: str,
    channel: str,
    customer_id: int | None,
    organization: str | None,
    external_id: str | None,
    opened_at: datetime,
    actor: Principal,
    now: datetime,
    snapshot: config.Snapshot,
    created: dict[str, Any],
) -> tuple[SimpleNamespace, TicketSlaOut]:
    """Insert a new ticket with its clocks, timers and "created" history line; returns it (the
    model's attributes, `id` included) and its clocks as shown."""
    tier = fields.tier or await _team_tier(conn, fields.team_id)
    await _check_assignee(conn, fields.assignee_id)
    override = getattr(fields, "priority", None)
    override_reason = getattr(fields, "priority_reason", None)
    if override is not None and not override_reason:
        raise _invalid("priority_reason", "required when setting the priority by hand")
    decision = decide_priority(
        impact=fields.impact,
        urgency=fields.urgency,
        ticket_type=fields.type,
        matrix=snapshot.matrix,
        override=override,
        override_reason=override_reason,
    )
    values: dict[str, Any] = {
        "subject": subject,
        "description": fields.description,
        "type": fields.type,
        "status": "new",
        "impact": fields.impact,
        "urgency": fields.urgency,
        "priority": decision.priority,
        "priority_reason": decision.reason,
        "priority_override": override,
        "priority_override_reason": override_reason if override else None,
        "category": fields.category,
        "tags": _unique(fields.tags),
        "channel": channel,
        "customer_id": customer_id,
        "team_id": fields.team_id,
        "assignee_id": fields.assignee_id,
        "tier": tier,
        "language": fields.language,
        "external_id": external_id,
        "product": fields.product,
        "model_number": fields.model_number,
        "serial_number": fields.serial_number,
        "account_number": fields.account_number,
        "equipment_location": fields.equipment_location,
        "created_at": opened_at,
        "updated_at": opened_at,
        "first_responded_at": None,
        "last_public_reply_at": None,
        "resolved_at": None,
        "closed_at": None,
        "reopen_count": 0,
        "agent_reply_count": 0,
        "customer_reply_count": 0,
        "interaction_count": 0,
        "created_by_key_id": actor.key_id or None,
        "version": 1,
        "status_log": [[opened_at.isoformat(), "new"]],
    }
    clock_columns, timers, clocks = sla.clock_fields_and_view(
        SimpleNamespace(**values), snapshot.book, now, organization=organization
    )
    values |= clock_columns
    assert set(values) == set(_NEW_TICKET_COLUMNS), "every column of a new ticket is given"
    wake = sla.wake_payload(timers, now)
    params = {
        **values,
        "status_log": json.dumps(values["status_log"]),
        "h_at": now,
        "h_new": json.dumps({**created, "priority": decision.priority}),
        **history.actor_columns(actor),
        "timer_kinds": [t.kind for t in timers],
        "timer_dues": [t.due_at for t in timers],
        "wake": wake,
    }
    sql, names = _INSERT_NEW_TICKET[wake is not None]
    ticket_id = await conn.fetchval(sql, *(params[name] for name in names))
    return SimpleNamespace(**values, id=ticket_id), clocks


async def _team_tier(conn: asyncpg.Connection, team_id: int | None) -> int:
    if team_id is None:
        return 1
    tier = await conn.fetchval("SELECT tier FROM teams WHERE id = $1", team_id)
    if tier is None:
        raise _invalid("team_id", f"team {team_id} does not exist")
    return tier  # type: ignore[no-any-return]


async def _check_assignee(conn: asyncpg.Connection, agent_id: int | None) -> None:
    if agent_id is None:
        return
    active = await conn.fetchval("SELECT active FROM agents WHERE id = $1", agent_id)
    if active is None:
        raise _invalid("assignee_id", f"agent {agent_id} does not exist")
    if not active:
        raise _invalid("assignee_id", f"agent {agent_id} is inactive")


def _unique(tags: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(tags))


# ---- read ------------------------------------------------------------------------------------


_READ_TICKET = f"{_SELECT_TICKET} WHERE id = $1"


async def _read_row(engine: AsyncEngine, ticket_id: int) -> SimpleNamespace:
    async with raw_connection(engine) as conn:
        row = await conn.fetchrow(_READ_TICKET, ticket_id)
    if row is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    return SimpleNamespace(**row)


async def read_ticket(engine: AsyncEngine, ticket_id: int, *, now: datetime) -> dict[str, Any]:
    row = await _read_row(engine, ticket_id)
    return ticket_out(row, await sla.book_for_reading(engine), now)


async def read_ticket_sla(engine: AsyncEngine, ticket_id: int, *, now: datetime) -> TicketSlaDetail:
    row = await _read_row(engine, ticket_id)
    return sla.detail(row, await sla.book_for_reading(engine), now)


async def list_tickets(
    engine: AsyncEngine,
    filters: ticket_list.TicketFilters,
    *,
    sort: str,
    limit: int,
    cursor: str | None,
    now: datetime,
) -> dict[str, Any]:
    """A page of tickets (TicketListItem: `sla` summarised from the stored due times)."""
    async with raw_connection(engine) as conn:
        rows, next_cursor = await ticket_list.fetch_page(
            conn, LIST_COLUMNS, filters, sort=sort, limit=limit, cursor=cursor, now=now
        )
    return {"items": [_list_item(row) for row in rows], "next_cursor": next_cursor}


# ---- update ----------------------------------------------------------------------------------


async def update_ticket(
    db: AsyncSession,
    ticket_id: int,
    data: TicketUpdate,
    *,
    expected_version: int,
    actor: Principal,
    now: datetime,
) -> dict[str, Any]:
    actor.demand("write")
    given = data.model_dump(exclude_unset=True)
    async with db.begin():
        ticket = await get_for_update(db, ticket_id)
        if ticket.version != expected_version:
            raise PreconditionFailed(
                f"ticket {ticket_id} is at version {ticket.version}, not {expected_version}: "
                "fetch it again and reapply your change",
                current_version=ticket.version,
            )
        changes: dict[str, tuple[Any, Any]] = {}
        await _apply_references(db, ticket, given)
        for field in PLAIN_FIELDS:
            if field in given:
                value = _unique(given[field]) if field == "tags" else given[field]
                if getattr(ticket, field) != value:
                    changes[field] = (getattr(ticket, field), value)
                    setattr(ticket, field, value)
        changes |= _apply_priority(
            ticket, given, (await config.for_writing(await in_transaction(db))).matrix
        )
        if "status" in given and given["status"] != ticket.status:
            changes |= _apply_status(ticket, given["status"], now)
        if changes:
            ticket.version += 1
            ticket.updated_at = now
            history.record_changes(db, ticket.id, actor, now, changes)
            book = await refresh_sla(db, ticket, now)
        else:
            book = (await config.for_writing(await in_transaction(db))).book
        return ticket_out(ticket, book, now)


async def _apply_references(db: AsyncSession, ticket: Ticket, given: dict[str, Any]) -> None:
    if given.get("customer_id") is not None:
        await records.ensure_exists(db, Customer, given["customer_id"], "customer_id")
    if "team_id" in given and given["team_id"] != ticket.team_id:
        tier = await _team_tier(await in_transaction(db), given["team_id"])
        given.setdefault("tier", tier)
    if given.get("assignee_id") is not None and given["assignee_id"] != ticket.assignee_id:
        await _check_assignee(await in_transaction(db), given["assignee_id"])
    for field in NOT_NULL:
        if field in given and given[field] is None:
            raise _invalid(field, "may not be null")


def _apply_priority(
    ticket: Ticket, given: dict[str, Any], matrix: dict[str, dict[str, str]]
) -> dict[str, tuple[Any, Any]]:
    """Impact, urgency, type and a manual override all feed one decision, explained in the reason."""
    changes: dict[str, tuple[Any, Any]] = {}
    for field in ("impact", "urgency", "type"):
        if given.get(field) is not None and given[field] != getattr(ticket, field):
            changes[field] = (getattr(ticket, field), given[field])
            setattr(ticket, field, given[field])
    override, reason = ticket.priority_override, ticket.priority_override_reason
    if given.get("clear_priority_override"):
        override, reason = None, None
    if given.get("priority") is not None:
        if not given.get("priority_reason"):
            raise _invalid("priority_reason", "required when setting the priority by hand")
        override, reason = given["priority"], given["priority_reason"]
    decision = decide_priority(
        impact=ticket.impact,
        urgency=ticket.urgency,
        ticket_type=ticket.type,
        matrix=matrix,
        override=override,
        override_reason=reason,
    )
    if override != ticket.priority_override or reason != ticket.priority_override_reason:
        changes["priority_override"] = (ticket.priority_override, override)
        ticket.priority_override, ticket.priority_override_reason = override, reason
    if decision.priority != ticket.priority:
        changes["priority"] = (ticket.priority, decision.priority)
        ticket.priority = decision.priority
    if decision.reason != ticket.priority_reason:
        changes["priority_reason"] = (ticket.priority_reason, decision.reason)
        ticket.priority_reason = decision.reason
    return changes


def _apply_status(ticket: Ticket, target: str, now: datetime) -> dict[str, tuple[Any, Any]]:
    try:
        move = lifecycle.transition(ticket.status, target)  # type: ignore[arg-type]
    except lifecycle.TransitionError as exc:
        raise InvalidTransition(
            str(exc), current=exc.current, requested=exc.target, allowed=exc.allowed
        ) from None
    changes: dict[str, tuple[Any, Any]] = {"status": (ticket.status, target)}
    ticket.status = target
    sla.log_status(ticket, target, now)
    if move.is_reopen:
        ticket.reopen_count += 1
        changes["reopen_count"] = (ticket.reopen_count - 1, ticket.reopen_count)
        ticket.resolved_at = None
    if move.resolves:
        ticket.resolved_at = now
    if move.closes:
        ticket.closed_at = now
    return changes


# ---- split and links -------------------------------------------------------------------------


async def split_ticket(
    db: AsyncSession,
    ticket_id: int,
    data: TicketSplit,
    *,
    actor: Principal,
    now: datetime,
    idempotency_key: str | None,
) -> Outcome:
    """One caller, another problem: a new ticket that copies the contact and context, linked back."""
    actor.demand("write")

    async def action() -> Outcome:
        origin = await get_for_update(db, ticket_id)
        given = data.model_dump(exclude_unset=True)
        inherited = {
            k: getattr(origin, k)
            for k in (
                "team_id",
                "language",
                "product",
                "model_number",
                "serial_number",
                "account_number",
                "equipment_location",
                "category",
            )
            if k not in given
        }
        fields = data.model_copy(update=inherited)
        snapshot = await config.for_writing(await in_transaction(db))
        ticket, clocks = await _new_ticket(
            await in_transaction(db),
            fields,
            subject=data.subject,
            channel=origin.channel,
            customer_id=origin.customer_id,
            organization=await organization_of(db, origin.customer_id),
            external_id=None,
            opened_at=now,
            actor=actor,
            now=now,
            snapshot=snapshot,
            created={"status": "new", "split_from": origin.id},
        )
        db.add(
            TicketLink(
                ticket_id=ticket.id,
                linked_ticket_id=origin.id,
                kind="split_from",
                created_at=now,
                created_by_key_id=actor.key_id or None,
            )
        )
        history.record(db, origin.id, actor, now, "split", new={"ticket_id": ticket.id})
        return Outcome(201, with_clocks(ticket, clocks))

    return await idempotency.once_in_session(
        db,
        actor,
        idempotency_key,
        f"tickets.split:{ticket_id}",
        data,
        action,
        now=now,
    )


async def link_tickets(
    db: AsyncSession,
    ticket_id: int,
    data: LinkCreate,
    *,
    actor: Principal,
    now: datetime,
    idempotency_key: str | None,
) -> Outcome:
    actor.demand("write")

    async def action() -> Outcome:
        if data.ticket_id == ticket_id:
            raise _invalid("ticket_id", "a ticket cannot be linked to itself")
        await get_for_update(db, ticket_id)
        await records.ensure_exists(db, Ticket, data.ticket_id, "ticket_id")
        link = TicketLink(
            ticket_id=ticket_id,
            linked_ticket_id=data.ticket_id,
            kind=data.kind,
            created_at=now,
            created_by_key_id=actor.key_id or None,
        )
        db.add(link)
        try:
            async with db.begin_nested():
                await db.flush()
        except IntegrityError as exc:
            if records.unique_violation(exc):
                raise Conflict(
                    f"ticket {ticket_id} is already linked to {data.ticket_id} as {data.kind}"
                ) from None
            raise
        note = {"ticket_id": data.ticket_id, "kind": data.kind}
        history.record(db, ticket_id, actor, now, "linked", new=note)
        history.record(
            db,
            data.ticket_id,
            actor,
            now,
            "linked",
            new={"ticket_id": ticket_id, "kind": data.kind},
        )
        return Outcome(201, _link_out(link, ticket_id).model_dump(mode="json"))

    return await idempotency.once_in_session(
        db,
        actor,
        idempotency_key,
        f"tickets.link:{ticket_id}",
        data,
        action,
        now=now,
    )


def _link_out(link: TicketLink, seen_from: int) -> LinkOut:
    outgoing = link.ticket_id == seen_from
    return LinkOut(
        id=link.id,  # type: ignore[arg-type]
        ticket_id=seen_from,
        linked_ticket_id=link.linked_ticket_id if outgoing else link.ticket_id,
        kind=link.kind,
        direction="outgoing" if outgoing else "incoming",
        created_at=link.created_at,
    )


async def list_links(db: AsyncSession, ticket_id: int) -> list[LinkOut]:
    async with db.begin():
        await records.get(db, Ticket, ticket_id)
        links = (
            await db.scalars(
                select(TicketLink)
                .where(
                    or_(TicketLink.ticket_id == ticket_id, TicketLink.linked_ticket_id == ticket_id)
                )
                .order_by(TicketLink.id)
            )
        ).all()
    return [_link_out(link, ticket_id) for link in links]
