"""The audit log: reads of personal data recorded, the log listed for admins, and sealed.

Writes need no call here: the audited tables' row triggers (app/domain/audit.py lists them)
record them, with who is acting as app.db sets it for each transaction from the request."""

from app.db import Connection, connection
from app.domain import audit as rules
from app.logs import acting
from app.schemas import Page
from app.schemas.audit import AuditEntryOut, AuditLogQuery
from app.services.context import Desk
from app.store import audit as store
from app.store.audit import AuditEntryRow

# The tables whose row triggers record every write, and every resource an entry may name.
AUDITED = rules.AUDITED
RESOURCES = frozenset(rules.RESOURCES)


def _named(resource: str) -> str:
    # A resource the log's filter would refuse is a mistake in the code, not in a request.
    if resource not in RESOURCES:
        raise ValueError(f"{resource!r} is not a resource of the audit log (app/domain/audit.py)")
    return resource


async def read(
    desk: Desk,
    conn: Connection,
    resource: str,
    resource_id: int | None,
    *,
    ticket_id: int | None = None,
    action: str = "read",
) -> None:
    """Record that the caller read one record of personal data (`resource_id`; None: nothing
    was found, nothing is recorded), on the connection the read used. `action` "export" or
    "erase" for those uses of a customer's data. Off with HELPDESK_AUDIT_READS=false."""
    if resource_id is None or not desk.settings.audit_reads:
        return
    await store.append_read(
        conn,
        action=action,
        resource=_named(resource),
        resource_id=resource_id,
        ticket_id=resource_id if resource == "tickets" else ticket_id,
        context=acting(),
    )


def reader(desk: Desk) -> store.Reader | None:
    """Who is reading, for a store read that records itself (one round trip); None when reads
    are not audited (HELPDESK_AUDIT_READS=false). Its entry commits asynchronously unless
    HELPDESK_AUDIT_READ_COMMIT=sync."""
    if not desk.settings.audit_reads:
        return None
    return store.Reader(acting(), asynchronous=desk.settings.audit_read_commit == "async")


async def listed(
    desk: Desk,
    conn: Connection,
    resource: str,
    *,
    ticket_id: int | None = None,
    action: str = "list",
) -> None:
    """Record that the caller read a page of `resource` (of one ticket, if `ticket_id`);
    `action` "export" for a bulk export of every record the caller may see."""
    if not desk.settings.audit_reads:
        return
    await store.append_read(
        conn,
        action=action,
        resource=_named(resource),
        resource_id=None,
        ticket_id=ticket_id,
        context=acting(),
    )


# What a redelivery sets on the delivery (store.webhooks' redelivery statement).
REDELIVERY_FIELDS = ("attempts", "lease_until", "next_attempt_at", "status")


async def redelivered(conn: Connection, delivery_id: int, ticket_id: int | None) -> None:
    """Record, in the redelivery's transaction, that the caller had a webhook delivery sent
    again: a write of the worker's bookkeeping that no trigger watches. Always recorded."""
    await store.append_write(
        conn,
        action="redeliver",
        resource=_named("webhook_deliveries"),
        resource_id=delivery_id,
        ticket_id=ticket_id,
        fields=list(REDELIVERY_FIELDS),
        context=acting(),
    )


async def list_entries(desk: Desk, query: AuditLogQuery) -> Page[AuditEntryOut]:
    async with connection(desk.db) as conn:
        rows, next_cursor = await store.page(
            conn,
            actor_key_id=query.actor_key_id,
            resource=query.resource,
            resource_id=query.resource_id,
            ticket_id=query.ticket_id,
            action=query.action,
            since=query.since,
            until=query.until,
            cursor=query.cursor,
            limit=query.limit,
        )
    return Page(items=[entry_out(r) for r in rows], next_cursor=next_cursor)


def entry_out(row: AuditEntryRow) -> AuditEntryOut:
    return AuditEntryOut(
        id=row.id,
        at=row.at,
        actor_type=row.actor_type,  # type: ignore[arg-type]
        actor_key_id=row.actor_key_id,
        actor_agent_id=row.actor_agent_id,
        actor_customer_id=row.actor_customer_id,
        actor_role=row.actor_role,
        action=row.action,  # type: ignore[arg-type]
        resource=row.resource,
        resource_id=row.resource_id,
        ticket_id=row.ticket_id,
        fields=row.fields,
        request_id=row.request_id,
        client_address=row.client_address,
    )


async def seal(desk: Desk) -> bool:
    """With HELPDESK_AUDIT_APPEND_ONLY, take UPDATE, DELETE and TRUNCATE on the audit log away
    from the service's own database role (and PUBLIC); True if it did. Run at startup, so a
    setting turned on after migration 0007 still takes effect. It binds a role that is not
    a superuser; an owner could grant them back, so a DBA should own the table for a hard
    guarantee. The append-only trigger refuses UPDATE and DELETE in any case."""
    if not desk.settings.audit_append_only:
        return False
    async with connection(desk.db) as conn:
        await store.revoke_changes(conn)
    return True
