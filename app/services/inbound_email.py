"""Receiving an email a gateway forwards: once per Message-ID, threaded onto its ticket (or a
new one), reopening a resolved ticket; auto-replies, bounces and the desk's own mail coming
back only recorded; mail answering a ticket its sender is not on held until a person accepts
or rejects it."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from app.db import Connection, connection, transaction
from app.domain.access import EVERYTHING, Principal, Visibility
from app.domain.mail import Attachment, ParsedMail, parse, stored_id
from app.domain.mail_threads import own_mail_reason, ticket_of_message_id
from app.errors import Conflict, NotFound, UnprocessableEntity
from app.schemas import InteractionCreate, Page, TicketCreate
from app.schemas.inbound import HeldAccept, HeldListQuery, InboundEmailOut
from app.services import (
    assignment,
    attachments,
    audit,
    history,
    interactions,
    mail_threads,
    participants,
)
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.mail_threads import email_out
from app.services.tickets import change
from app.services.tickets.create import insert_new
from app.store import customers, inbound, links, tickets
from app.store.inbound import InboundEmailRow, NewInboundEmail
from app.store.tickets import TicketRow

MAX_BODY = 200_000


@dataclass(frozen=True)
class Outcome:
    outcome: str
    threaded_by: str | None = None
    ticket_id: int | None = None
    interaction_id: int | None = None
    followed_ticket_id: int | None = None
    held_ticket_id: int | None = None


def _received(mail: ParsedMail, actor: Principal, now: datetime) -> NewInboundEmail:
    return NewInboundEmail(
        message_id=mail.message_id[:1000],
        kind=mail.automatic or "message",
        outcome="recorded",
        threaded_by=None,
        ticket_id=None,
        interaction_id=None,
        followed_ticket_id=None,
        sender_email=mail.sender_email,
        sender_name=mail.sender_name,
        subject=mail.subject,
        thread_ids=list(mail.thread_ids),
        text=mail.reply,
        quoted=mail.quoted,
        attachments=[
            {"filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in mail.attachments
        ],
        automatic_reason=mail.automatic_reason,
        sent_at=mail.sent_at,
        received_at=now,
        created_by_key_id=actor.key_id or None,
        held_ticket_id=None,
        decided_at=None,
        decided_by_key_id=None,
    )


async def receive(
    desk: Desk, raw: bytes, *, actor: Principal, visible: Visibility, now: datetime
) -> Written[InboundEmailOut]:
    """The received message as recorded; created=False when its Message-ID came before."""
    mail = parse(raw)
    if not mail.usable:
        message = "not an RFC 5322 message: no headers, or no text, subject or attachment"
        raise UnprocessableEntity(message, errors=[{"field": "body", "message": message}])
    key = await mail_threads.signing_key(desk)
    own = own_mail_reason(key, mail.message_id, mail.sender_email, desk.settings.mail_addresses)
    new = _received(mail, actor, now)
    if own is not None:
        new = replace(new, kind="loop", automatic_reason=own)
    async with transaction(desk.db) as conn:
        email_id = await inbound.claim(conn, new)
        if email_id is None:
            seen = await inbound.by_message_id(conn, new.message_id)
            assert seen is not None
            return Written(email_out(seen), created=False)
        if own is not None:
            outcome = await _own_mail(conn, key, mail, visible)
        else:
            outcome = await _thread(conn, desk, mail, actor=actor, visible=visible, now=now)
        if outcome.outcome == "held":  # its files wait with it for a person's decision
            await attachments.receive(
                conn, desk, _files(mail), actor=actor, now=now, held_email_id=email_id
            )
        await inbound.settle(
            conn,
            email_id,
            outcome=outcome.outcome,
            threaded_by=outcome.threaded_by,
            ticket_id=outcome.ticket_id,
            interaction_id=outcome.interaction_id,
            followed_ticket_id=outcome.followed_ticket_id,
            held_ticket_id=outcome.held_ticket_id,
        )
    values = {name: getattr(new, name) for name in new.__dataclass_fields__}
    stored = InboundEmailRow(**(values | outcome.__dict__), id=email_id)
    return Written(email_out(stored))


async def _own_mail(conn: Connection, key: bytes, mail: ParsedMail, visible: Visibility) -> Outcome:
    """The desk's own mail come back (a gateway delivering it to the desk's own mailbox):
    recorded against the ticket its signed Message-ID names, nothing more. Appending it would
    make the desk a customer of itself, and reopen a resolved ticket with its own reply."""
    ticket_id = ticket_of_message_id(key, mail.message_id)
    if ticket_id is None or not await tickets.exists(conn, ticket_id, visible):
        return Outcome("recorded")
    return Outcome("recorded", "message_id", ticket_id)


async def _thread(
    conn: Connection,
    desk: Desk,
    mail: ParsedMail,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
) -> Outcome:
    thread = await mail_threads.find_thread(conn, desk, mail, visible)
    if mail.automatic is not None:
        # Recorded against the ticket it answers, nothing more: no reopening, no new ticket,
        # no interaction that could set off another auto-reply. Against none when its sender
        # is not on the ticket: a stranger's machine's mail is no part of the customer's.
        if thread is None or not thread.trusted:
            return Outcome("recorded")
        return Outcome("recorded", thread.by, thread.ticket.id)
    if thread is None:
        outcome = await _open_ticket(conn, desk, mail, actor=actor, now=now, follows=None)
    elif not thread.trusted:
        # Someone not on the ticket answers it (a copied reference, a forwarded thread): held,
        # nothing added, until a person accepts or rejects it.
        return Outcome("held", thread.by, held_ticket_id=thread.ticket.id)
    else:
        outcome = await _deliver(
            conn, desk, thread.ticket, mail, actor=actor, now=now, by=thread.by
        )
    await _copied(conn, desk, outcome, mail, actor=actor, now=now)
    return outcome


async def _copied(
    conn: Connection,
    desk: Desk,
    outcome: Outcome,
    mail: ParsedMail,
    *,
    actor: Principal,
    now: datetime,
) -> None:
    """Whom the message was copied to join the ticket it was rightfully delivered onto (never
    from held mail: its sender is no one to vouch for them)."""
    if not mail.cc or outcome.ticket_id is None or outcome.interaction_id is None:
        return
    ticket = await tickets.lock(conn, outcome.ticket_id, EVERYTHING)
    assert ticket is not None  # locked already in this transaction
    await participants.add_copied(
        conn,
        desk,
        ticket,
        mail.cc,
        sender_email=mail.sender_email,
        actor=actor,
        at=max(now, ticket.updated_at),
    )


async def _deliver(
    conn: Connection,
    desk: Desk,
    ticket: TicketRow,
    mail: ParsedMail,
    *,
    actor: Principal,
    now: datetime,
    by: str,
) -> Outcome:
    """The message onto the ticket it answers: a closed ticket gets a linked follow-up."""
    if ticket.status == "closed":
        return await _open_ticket(conn, desk, mail, actor=actor, now=now, follows=ticket)
    return await _append(conn, desk, ticket, mail, actor=actor, now=now, by=by)


async def _sender(
    conn: Connection, mail: ParsedMail, now: datetime
) -> tuple[int | None, str | None]:
    """The sender as a customer (created if unknown): (id, organization)."""
    if mail.sender_email is None:
        return None, None
    name = mail.sender_name or mail.sender_email.split("@", 1)[0]
    return await customers.upsert_by_email(
        conn, {"name": name[:200], "email": mail.sender_email}, now
    )


def _body(mail: ParsedMail) -> str:
    body = mail.reply or "(no text)"
    if mail.attachments:
        listed = ", ".join(
            f"{a.filename or 'unnamed'} ({a.content_type}, {a.size} bytes)"
            for a in mail.attachments
        )
        body += f"\n\nAttachments: {listed}"
    return body[:MAX_BODY]


async def _open_ticket(
    conn: Connection,
    desk: Desk,
    mail: ParsedMail,
    *,
    actor: Principal,
    now: datetime,
    follows: TicketRow | None,
) -> Outcome:
    """A new email ticket for the message; linked to the closed ticket it answers, if any."""
    customer_id, organization = await _sender(conn, mail, now)
    subject = mail.subject[:500].strip() or "(no subject)"
    fields = TicketCreate(
        subject=subject, channel="email", description=mail.reply[:100_000] or None
    )
    created: dict[str, Any] = {"status": "new", "channel": "email"}
    if follows is not None:
        created["follows_ticket_id"] = follows.id
    snapshot = await desk.policies.for_writing(conn)
    # Routed and assigned as any new ticket is.
    async with assignment.placing(conn, desk, fields, organization, snapshot) as placed:
        inserted = await insert_new(
            conn,
            desk,
            fields,
            subject=subject,
            channel="email",
            customer_id=customer_id,
            organization=organization,
            external_id=None,
            opened_at=now,
            actor=actor,
            now=now,
            snapshot=snapshot,
            created=created,
            placed=placed,
        )
    assert inserted is not None  # no external id: nothing to collide with
    ticket = inserted[0]
    appended = await _append(conn, desk, ticket, mail, actor=actor, now=now, by=None)
    if follows is None:
        return Outcome("created", None, ticket.id, appended.interaction_id)
    await links.insert(conn, ticket.id, follows.id, "related", now=now, key_id=actor.key_id or None)
    await change.record(
        conn,
        [
            history.line(
                ticket.id, actor, now, "linked", new={"ticket_id": follows.id, "kind": "related"}
            ),
            history.line(
                follows.id, actor, now, "linked", new={"ticket_id": ticket.id, "kind": "related"}
            ),
        ],
        at=now,
    )
    return Outcome("follow_up", "message_id", ticket.id, appended.interaction_id, follows.id)


async def _append(
    conn: Connection,
    desk: Desk,
    ticket: TicketRow,
    mail: ParsedMail,
    *,
    actor: Principal,
    now: datetime,
    by: str | None,
) -> Outcome:
    """The message as the customer's inbound email on the ticket, logged as any interaction is
    (history, clocks, events), with inbound email's own rule: a resolved ticket reopens."""
    customer_id, _ = await _sender(conn, mail, max(now, ticket.updated_at))
    # Each file part, inline images too; a held message's were stored when it was held.
    attachment_ids = await attachments.receive(conn, desk, _files(mail), actor=actor, now=now)
    # Built from the parsed message, not a client's JSON: its text is whatever the mail held.
    message = InteractionCreate.model_construct(
        kind="email",
        direction="inbound",
        public=True,
        author_type="customer",
        author_id=customer_id,
        author_name=mail.sender_name or mail.sender_email,
        body=_body(mail),
        occurred_at=None,
        duration_seconds=None,
        external_id=stored_id(mail.message_id),
        attachment_ids=attachment_ids or None,
    )
    logged = await interactions.append(
        conn,
        desk,
        ticket.id,
        message,
        actor=actor,
        visible=EVERYTHING,  # threading chose a ticket the caller sees
        now=now,
        reopen_resolved=True,
    )
    if not logged.created:  # logged already, by a gateway through the interactions API
        return Outcome("duplicate", by, ticket.id, logged.body.id)
    outcome = "reopened" if ticket.status == "resolved" else "appended"
    return Outcome(outcome, by, ticket.id, logged.body.id)


def _files(mail: ParsedMail) -> list[attachments.Received]:
    """The message's file parts with their content (a held message's record has none)."""
    return [
        attachments.Received(a.filename, a.content_type, a.content)
        for a in mail.attachments
        if a.content or not a.size
    ]


# ---- held mail -------------------------------------------------------------------------------


async def list_held(
    desk: Desk, query: HeldListQuery, *, visible: Visibility
) -> Page[InboundEmailOut]:
    """The messages still held, oldest first: those that would join tickets the caller sees.
    A read of strangers' mail: recorded in the audit log."""
    async with connection(desk.db) as conn:
        rows, next_cursor = await inbound.held_page(
            conn, visible, limit=query.limit, cursor=query.cursor
        )
        await audit.listed(desk, conn, "inbound_emails")
    return Page(items=[email_out(r) for r in rows], next_cursor=next_cursor)


async def _held(conn: Connection, email_id: int, visible: Visibility) -> InboundEmailRow:
    row = await inbound.lock_held(conn, email_id, visible)
    if row is None:
        raise NotFound(f"held message {email_id} not found")
    if row.outcome != "held":
        raise Conflict(
            f"held message {email_id} was decided already: {row.outcome}", field="email_id"
        )
    return row


def _as_mail(row: InboundEmailRow) -> ParsedMail:
    """A held message as it was parsed when received (its stored parts)."""
    return ParsedMail(
        sender_email=row.sender_email,
        sender_name=row.sender_name,
        subject=row.subject,
        message_id=row.message_id,
        message_id_given=True,
        in_reply_to=(),
        references=tuple(reversed(row.thread_ids)),
        text="\n\n".join(t for t in (row.text, row.quoted) if t),
        reply=row.text,
        quoted=row.quoted,
        attachments=tuple(Attachment(**a) for a in row.attachments),
        automatic=None,
        automatic_reason=None,
        sent_at=row.sent_at,
        has_headers=True,
    )


async def accept_held(
    desk: Desk,
    email_id: int,
    data: HeldAccept,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
) -> InboundEmailOut:
    """A held message accepted, as Zendesk recovers a suspended ticket: appended to the ticket
    it answers as its sender's email (who does not thereby join the ticket: their next mail is
    held again), or a new email ticket for its sender."""
    async with transaction(desk.db) as conn:
        row = await _held(conn, email_id, visible)
        assert row.held_ticket_id is not None
        mail = _as_mail(row)
        if data.into == "new_ticket":
            outcome = await _open_ticket(conn, desk, mail, actor=actor, now=now, follows=None)
        elif row.sender_email is None:
            # On the ticket it would be taken for its customer's: the interaction's author
            # defaults to the ticket's customer.
            raise Conflict(
                f"held message {email_id} has no sender address: accept it as a new_ticket",
                field="into",
            )
        else:
            ticket = await tickets.lock(conn, row.held_ticket_id, visible)
            if ticket is None:
                raise NotFound(f"held message {email_id} not found")
            by = row.threaded_by or "message_id"
            outcome = await _deliver(conn, desk, ticket, mail, actor=actor, now=now, by=by)
        assert outcome.ticket_id is not None
        if outcome.interaction_id is not None and outcome.outcome != "duplicate":
            await attachments.release(
                conn, email_id, ticket_id=outcome.ticket_id, interaction_id=outcome.interaction_id
            )
        else:  # logged already, with files of its own
            await attachments.erase_held(conn, desk, email_id, now)
        accepted = await inbound.accept(
            conn,
            email_id,
            outcome=outcome.outcome,
            ticket_id=outcome.ticket_id,
            interaction_id=outcome.interaction_id,
            followed_ticket_id=outcome.followed_ticket_id,
            now=now,
            key_id=actor.key_id or None,
        )
    return email_out(accepted)


async def reject_held(
    desk: Desk, email_id: int, *, actor: Principal, visible: Visibility, now: datetime
) -> InboundEmailOut:
    """A held message rejected: nothing is added anywhere, and what it said and who sent it
    are erased at once; its Message-ID stays, so a gateway's retry of it changes nothing."""
    async with transaction(desk.db) as conn:
        await _held(conn, email_id, visible)
        await attachments.erase_held(conn, desk, email_id, now)
        rejected = await inbound.reject(conn, email_id, now=now, key_id=actor.key_id or None)
    return email_out(rejected)
