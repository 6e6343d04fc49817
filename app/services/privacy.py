"""Personal data: everything held about a customer as one document, their erasure on request,
and retention's erasure of tickets closed long ago (the `retention` timer kind)."""

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson

from app.db import Connection, connection, transaction
from app.domain import privacy as rules
from app.domain.access import EVERYTHING, SYSTEM, Principal, Visibility
from app.domain.sla import TimerSpec
from app.errors import NotFound
from app.schemas import CustomerOut, HistoryEntryOut, InteractionOut
from app.schemas.attachments import AttachmentOut
from app.schemas.privacy import CustomerExport, ErasureOut, ExportedTicket, TicketErasureOut
from app.services import attachments, audit, clocks, history, participants, rollups
from app.services import timers as registry
from app.services.callbacks import out as callback_out
from app.services.context import Desk
from app.services.mail_threads import email_out
from app.services.retention import RETENTION
from app.services.surveys import out as survey_out
from app.services.tickets import change
from app.services.tickets.shapes import ticket_out
from app.store import audit as audit_store
from app.store import customer_tokens, customers, escalations, inbound, surveys
from app.store import participants as participant_store
from app.store import privacy as store
from app.store.callbacks import CallbackRow
from app.store.customers import CustomerRow
from app.store.history import HistoryRow
from app.store.interactions import InteractionRow
from app.store.privacy import ErasureRow
from app.store.tickets import TicketRow
from app.store.timers import Claimed


def _not_found(customer_id: int) -> NotFound:
    return NotFound(f"customer {customer_id} does not exist")


# ---- export ------------------------------------------------------------------------------------


async def export_customer(
    desk: Desk, customer_id: int, *, visible: Visibility, now: datetime
) -> CustomerExport:
    """The customer's record, tickets (with their interactions, callbacks and history), the
    audit entries about them and their erasure, read in one snapshot; the export is audited."""
    book = await desk.policies.for_reading(desk.db)
    async with connection(desk.db) as conn, store.snapshot(conn):
        customer = await customers.get(conn, customer_id)
        if customer is None:
            raise _not_found(customer_id)
        tickets = await store.tickets_of(conn, customer_id, visible)
        ids = [t.id for t in tickets]
        interactions = await store.interactions_of(conn, ids, customer_id)
        callbacks = await store.callbacks_of(conn, ids)
        lines = await store.history_of(conn, ids)
        entries = await audit_store.about_customer(conn, customer_id)
        erasure = await store.customer_erasure(conn, customer_id)
        erased = await store.ticket_erasures(conn, ids)
        answers = await surveys.about_customer(conn, customer_id, ids)
        received = await inbound.received_from(conn, ids, customer.email)
        files = await attachments.listed(conn, [i.id for i in interactions])
        participating = await participant_store.tickets_of(conn, customer_id)
        await audit.read(desk, conn, "customers", customer_id, action="export")
    mine = set(ids)
    of_ticket: dict[int, list[InteractionOut]] = {}
    elsewhere = []
    for i in interactions:
        shown = _interaction_out(i, files.get(i.id, []))
        (of_ticket.setdefault(i.ticket_id, []) if i.ticket_id in mine else elsewhere).append(shown)
    callbacks_of: dict[int, list[CallbackRow]] = {}
    for c in callbacks:
        callbacks_of.setdefault(c.ticket_id, []).append(c)
    history_of: dict[int, list[HistoryRow]] = {}
    for h in lines:
        history_of.setdefault(h.ticket_id, []).append(h)
    return CustomerExport(
        exported_at=now,
        customer=_customer_out(customer),
        tickets=[
            ExportedTicket(
                ticket=ticket_out(t, clocks.view(t, book, now)),  # type: ignore[arg-type]
                interactions=of_ticket.get(t.id, []),
                callbacks=[callback_out(c) for c in callbacks_of.get(t.id, [])],
                history=[_history_out(h) for h in history_of.get(t.id, [])],
            )
            for t in tickets
        ],
        interactions_elsewhere=elsewhere,
        audit=[audit.entry_out(e) for e in entries],
        erasure=None if erasure is None else _erasure_out(erasure, erased),
        erased_tickets=[
            TicketErasureOut(ticket_id=e.ticket_id, erased_at=e.erased_at, reason=e.reason)  # type: ignore[arg-type]
            for e in erased
            if e.ticket_id is not None
        ],
        surveys=[survey_out(a) for a in answers],
        # Only their own mail: what others sent onto their tickets is those others' data.
        received_emails=[email_out(r) for r in received if _sent_by(r.sender_email, customer)],
        participating_ticket_ids=participating,
    )


def _sent_by(sender: str | None, customer: CustomerRow) -> bool:
    return (
        sender is not None
        and customer.email is not None
        and sender.lower() == customer.email.lower()
    )


def _customer_out(row: CustomerRow) -> CustomerOut:
    return CustomerOut(**dataclasses.asdict(row))


# The API's shapes, as the interactions and history routes render them (this module is not
# imported by them: the ticket-closing use cases import it to arm retention).
def _interaction_out(row: InteractionRow, files: list[AttachmentOut]) -> InteractionOut:
    return InteractionOut(
        id=row.id,
        ticket_id=row.ticket_id,
        kind=row.kind,  # type: ignore[arg-type]
        direction=row.direction,  # type: ignore[arg-type]
        public=row.public,
        author_type=row.author_type,  # type: ignore[arg-type]
        author_id=row.author_agent_id if row.author_type == "agent" else row.author_customer_id,
        author_name=row.author_name,
        body=row.body,
        occurred_at=row.occurred_at,
        duration_seconds=row.duration_seconds,
        external_id=row.external_id,
        created_at=row.created_at,
        attachments=files,  # metadata; the content by `GET /v1/attachments/{id}`
    )


def _history_out(r: HistoryRow) -> HistoryEntryOut:
    return HistoryEntryOut(
        id=r.id,
        ticket_id=r.ticket_id,
        at=r.at,
        action=r.action,
        field=r.field,
        old_value=r.old_value,
        new_value=r.new_value,
        actor_type=r.actor_type,
        actor_name=r.actor_name,
        interaction_id=r.interaction_id,
        note=r.note,
    )


def _erasure_out(
    erasure: ErasureRow, tickets: Sequence[ErasureRow], files: Sequence[int] = ()
) -> ErasureOut:
    return ErasureOut(
        attachment_ids=list(files),
        customer_id=erasure.customer_id or 0,
        erased_at=erasure.erased_at,
        reason=erasure.reason,  # type: ignore[arg-type]
        ticket_ids=sorted(e.ticket_id for e in tickets if e.ticket_id is not None),
    )


# ---- erasure on request ------------------------------------------------------------------------


async def erase_customer(
    desk: Desk, customer_id: int, *, actor: Principal, now: datetime
) -> ErasureOut:
    """Anonymise the customer and redact the personal data of their tickets, keeping the
    tickets' status, priority, SLA columns, counts and instants (the metrics hold).
    Irreversible; idempotent: a repeated call answers with the first one's outcome (and
    erases a ticket of theirs created since, if any)."""
    async with transaction(desk.db) as conn:
        customer = await customers.lock(conn, customer_id)
        if customer is None:
            raise _not_found(customer_id)
        # Whoever asks (only admins may), an erasure reaches every ticket of the customer.
        tickets = await store.tickets_of(conn, customer_id, EVERYTHING, lock=True)
        ids = [t.id for t in tickets]
        at = max(now, customer.updated_at, *(t.updated_at for t in tickets))
        done = {e.ticket_id for e in await store.ticket_erasures(conn, ids)}
        await _erase(
            conn,
            desk,
            [t for t in tickets if t.id not in done],
            customer=customer,
            whole=True,
            reason="request",
            actor=actor,
            at=at,
        )
        erasure = await store.customer_erasure(conn, customer_id)
        if erasure is None:
            await store.redact_customer(conn, customer_id, rules.customer_name(customer_id), at)
            erasure = await store.record_customer_erasure(conn, customer_id, "request", at)
            assert erasure is not None  # the customer's row is locked: nobody erased it since
        # Their portal tokens stop at once, on every replica.
        await customer_tokens.revoke(conn, customer_id, None, at)
        await audit.read(desk, conn, "customers", customer_id, action="erase")
        erased = await store.ticket_erasures(conn, ids)
        files = await attachments.erased_on(conn, ids, customer_id)
    return _erasure_out(erasure, erased, files)


def _identifying(customer: CustomerRow | None) -> frozenset[str]:
    """What names the customer (an erased one's new name does not)."""
    if customer is None:
        return frozenset()
    name = None if customer.name == rules.customer_name(customer.id) else customer.name
    return rules.mentions([name, customer.email, customer.phone, customer.account_number])


async def _erase(
    conn: Connection,
    desk: Desk,
    tickets: Sequence[TicketRow],
    *,
    customer: CustomerRow | None,
    whole: bool,
    reason: str,
    actor: Principal,
    at: datetime,
) -> None:
    """Redact the tickets' personal data and whatever in them mentions the customer, and
    register the erasure. `whole`: the customer goes too, so what they wrote on tickets not
    theirs is redacted, and every stored response about them or naming them is forgotten."""
    ids = [t.id for t in tickets]
    customer_id = customer.id if customer is not None else None
    if whole and customer_id is not None:
        interactions = await store.interactions_of(conn, ids, customer_id)
    else:
        interactions = await store.interactions_of_tickets(conn, ids) if ids else []
    callbacks = await store.callbacks_of(conn, ids) if ids else []
    # Reasons typed about the person on their tickets go whatever they say; the explanations
    # the desk wrote keep their words, not the reasons they quote.
    typed = [
        *await escalations.reasons_of(conn, ids),
        *(t.priority_override_reason for t in tickets if t.priority_override_reason),
    ]
    identifying = _identifying(customer)
    personal = identifying | rules.mentions(
        [
            *(
                getattr(t, f)
                for t in tickets
                for f in (*rules.TICKET_TEXT_FIELDS, *rules.TICKET_ASSET_FIELDS)
            ),
            *(i.author_name for i in interactions if i.author_type != "agent"),
            *(c.phone for c in callbacks),
            *(c.note for c in callbacks),
            *typed,
        ]
    )
    await store.redact_tickets(
        conn,
        [
            store.TicketRedaction(
                id=t.id,
                tags=rules.scrub_tags(t.tags, personal),
                category=rules.scrub_text(t.category, personal),
                priority_override_reason=(
                    None if t.priority_override_reason is None else rules.ERASED
                ),
                priority_reason=rules.redact_quoted(t.priority_reason, typed, personal) or "",
                routing_reason=rules.redact_quoted(t.routing_reason, typed, personal),
                external_id=rules.scrub_text(t.external_id, personal),
            )
            for t in tickets
        ],
        at,
    )
    if ids:
        await escalations.redact_reasons(conn, ids, rules.ERASED)
    redactions = []
    for i in interactions:
        author = (
            rules.scrub_text(i.author_name, personal)
            if i.author_type == "agent"
            else (None if i.author_name is None else rules.ERASED)
        )
        external_id = rules.scrub_text(i.external_id, personal)
        if (i.body, i.author_name, i.external_id) != (rules.ERASED, author, external_id):
            redactions.append((i.id, author, external_id))
    await store.redact_interactions(conn, redactions)
    # Their files: content deleted from whichever backend holds it (unless shared).
    await attachments.erase(
        conn, desk, [i.id for i in interactions], customer_id if whole else None, at
    )
    await inbound.redact_mail(conn, ids, customer.email if whole and customer else None)
    if whole and customer_id is not None:
        await participants.forget(conn, customer_id, actor=actor, at=at)
    if ids:
        await store.redact_callbacks(conn, ids)
        await store.redact_surveys(conn, ids)
        await store.redact_quality_reviews(conn, ids)
        await store.rewrite_history(conn, _scrubbed(await store.history_of(conn, ids), personal))
    # Whatever else quotes them: stored responses (kept redacted, so a retry replays the
    # erased resource), events, delivery errors, import references.
    named = _json_fragments(v for v in identifying if whole and len(v) >= rules.MIN_MENTION)
    if ids or whole:
        about = await store.responses_about(
            conn,
            # Retention keeps the customer's other tickets: only these are redacted.
            customer_id if whole else None,
            ids,
            named,
        )
        await store.forget_responses(
            conn, [r for r in about if rules.mentioned(r.key, identifying)]
        )
        await store.rewrite_responses(
            conn,
            [
                dataclasses.replace(r, response_body=_redacted(r.response_body, personal))
                for r in about
                if not rules.mentioned(r.key, identifying)
            ],
        )
        events = await store.events_about(conn, ids, named)
        await store.rewrite_events(
            conn, [(e, _redacted(payload, personal)) for e, payload in events]
        )
        await store.scrub_deliveries_and_imports(conn, ids, sorted(personal))
        if ids:
            await rollups.recount(conn, ids)
    await store.redact_searches(conn, ids, customer_id if whole else None)
    await store.record_ticket_erasures(conn, customer_id, ids, reason, at)
    await change.record(
        conn,
        [history.line(t.id, actor, at, "personal_data_erased", note=reason) for t in tickets],
        at=at,
    )


def _scrubbed(lines: Iterable[HistoryRow], personal: frozenset[str]) -> list[HistoryRow]:
    """The lines that change once their personal values are redacted, redacted."""
    changed = []
    for h in lines:
        scrubbed = dataclasses.replace(
            h,
            old_value=rules.scrub_value(h.old_value, personal, field=h.field),
            new_value=rules.scrub_value(h.new_value, personal, field=h.field),
            actor_name=rules.scrub_text(h.actor_name, personal),
            note=rules.scrub_text(h.note, personal),
        )
        if scrubbed != h:
            changed.append(scrubbed)
    return changed


def _redacted(document: Any, personal: frozenset[str]) -> Any:
    """A stored JSON document about an erased ticket with its personal fields and mentions
    redacted (its ids, states and instants kept)."""
    value = orjson.loads(document) if isinstance(document, str | bytes) else document
    return rules.scrub_value(value, personal)


def _json_fragments(values: Iterable[str]) -> list[str]:
    # As the values appear inside a stored JSON document's text (quotes and escapes).
    return [orjson.dumps(v).decode()[1:-1] for v in values]


# ---- retention ---------------------------------------------------------------------------------


async def arm_retention_backlog(desk: Desk, now: datetime) -> int:
    """Arm a retention timer for every closed ticket not erased and without one (tickets
    closed before retention was set, or while it was off); how many. Run at worker start."""
    days = desk.settings.retention_days
    if days is None:
        return 0
    async with transaction(desk.db) as conn:
        return await store.arm_backlog(conn, RETENTION, days, now)


async def erase_expired(conn: Connection, due: list[Claimed], now: datetime, desk: Desk) -> int:
    """The `retention` handler: erase the personal data of each ticket closed for longer than
    HELPDESK_RETENTION_DAYS, and anonymise a customer left with nothing but erased tickets.
    A ticket whose period was lengthened since its timer was armed is armed again; with
    retention unset, nothing is erased. How many tickets were erased."""
    days = desk.settings.retention_days
    if days is None or not due:
        return 0
    keep = timedelta(days=days)
    ticket_ids = sorted({t.ticket_id for t in due})
    # Customers first, then tickets, each in id order: the order an erasure on request
    # takes its locks in, so the two never deadlock.
    held: dict[int, CustomerRow] = {}
    for customer_id in await store.customers_of_tickets(conn, ticket_ids):
        customer = await customers.lock(conn, customer_id)
        if customer is not None:
            held[customer_id] = customer
    expired = []
    for t in await store.lock_closed_not_erased(conn, ticket_ids):
        assert t.closed_at is not None
        if t.closed_at + keep <= now:
            expired.append(t)
        else:
            await registry.schedule(
                conn,
                t.id,
                [TimerSpec(RETENTION, t.closed_at + keep)],
                now=now,
                wake_within=desk.settings.worker_max_sleep_seconds,
            )
    by_customer: dict[int | None, list[TicketRow]] = {}
    for t in expired:
        by_customer.setdefault(t.customer_id, []).append(t)
    for customer_id, tickets in by_customer.items():
        await _erase(
            conn,
            desk,
            tickets,
            customer=held.get(customer_id) if customer_id is not None else None,
            whole=False,
            reason="retention",
            actor=SYSTEM,
            at=max(now, *(t.updated_at for t in tickets)),
        )
    for customer_id in await store.customers_left_without_data(
        conn, [c for c in by_customer if c is not None]
    ):
        customer = held[customer_id]
        at = max(now, customer.updated_at)
        # Nothing of theirs is left to redact but what mentions them elsewhere.
        await _erase(
            conn, desk, [], customer=customer, whole=True, reason="retention", actor=SYSTEM, at=at
        )
        await store.redact_customer(conn, customer_id, rules.customer_name(customer_id), at)
        await store.record_customer_erasure(conn, customer_id, "retention", at)
        await customer_tokens.revoke(conn, customer_id, None, at)
    return len(expired)
