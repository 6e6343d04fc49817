"""Threading mail onto tickets: the key the desk signs its mail marks with, the headers of a
public agent email reply, and the ticket an inbound message answers."""

import hashlib
import hmac
from dataclasses import dataclass

from app.db import Connection
from app.domain import mail_threads
from app.domain.access import Visibility
from app.domain.mail import ParsedMail, stored_id
from app.schemas import InteractionCreate
from app.schemas.inbound import InboundEmailOut, OutboundEmailOut, ReceivedFileOut
from app.services import customer_tokens
from app.services.context import Desk
from app.store import inbound
from app.store import tickets as ticket_store
from app.store.inbound import InboundEmailRow, OutboundEmailRow
from app.store.interactions import InteractionRow, NewInteraction
from app.store.tickets import TicketRow


async def signing_key(desk: Desk) -> bytes:
    """The service secret (HELPDESK_SECRET_KEY or the stored one), narrowed to mail marks so a
    signature made for mail can never pass for a customer token."""
    return hmac.new(
        await customer_tokens.signing_key(desk), b"mail-threads", hashlib.sha256
    ).digest()


def is_agent_email_reply(interaction: NewInteraction | InteractionCreate) -> bool:
    """A public agent email reply: the desk sends it as mail, with headers of its own. Decided
    from the request as well as from the row (the same fields), so before the ticket's lock."""
    return (
        interaction.kind == "email"
        and interaction.author_type == "agent"
        and interaction.public
        and interaction.direction == "outbound"
    )


def outbound_out(row: OutboundEmailRow) -> OutboundEmailOut:
    return OutboundEmailOut(
        message_id=row.message_id,
        in_reply_to=row.in_reply_to,
        references=row.references,
        reference_token=row.reference_token,
        subject=row.subject,
        cc=row.cc,
    )


async def log_reply(
    conn: Connection, desk: Desk, ticket: TicketRow, reply: InteractionRow, *, closing: str
) -> OutboundEmailOut:
    """Store a public agent email reply (its id reserved by the ticket's lock) and its headers,
    in the caller's transaction and one statement: it answers the customer's latest message,
    references the thread so far and is copied to the ticket's `cc` participants. It is the
    follow-up the ticket's open reminders of kind `closing` asked for: they are done."""
    key = await signing_key(desk)
    marks = inbound.ReplyMarks(
        message_id=mail_threads.message_id(key, ticket.id, reply.id, desk.settings.mail_domain),
        reference_token=mail_threads.reference_token(key, ticket.id),
        subject=mail_threads.reply_subject(ticket.subject, ticket.id),
    )
    return outbound_out(await inbound.insert_reply(conn, reply, marks, closing=closing))


async def outbound_of(conn: Connection, rows: list[InteractionRow]) -> dict[int, OutboundEmailOut]:
    """The stored headers of those of `rows` that are agent email replies."""
    wanted = [r.id for r in rows if is_agent_email_reply(r)]
    return {i: outbound_out(o) for i, o in (await inbound.outbound_of(conn, wanted)).items()}


@dataclass(frozen=True)
class Thread:
    ticket: TicketRow
    by: str  # message_id | reference_token | subject_token
    # The message may join the ticket: its sender is on the ticket, or it answers mail the desk
    # signed for this ticket. Otherwise it is held for a person to accept or reject.
    trusted: bool


async def find_thread(
    conn: Connection, desk: Desk, mail: ParsedMail, visible: Visibility
) -> Thread | None:
    """The ticket a message answers, in the documented order; the ticket is locked."""
    key = await signing_key(desk)
    found = await _answered(conn, key, mail, visible)
    if found is None:
        return None
    ticket, by = found
    # Mail the desk signed for a ticket since merged into this one answers this one too.
    signed = False
    for signed_for in {mail_threads.ticket_of_message_id(key, i) for i in mail.thread_ids}:
        if signed_for is not None and not signed:
            signed = await ticket_store.merged_target(conn, signed_for) == ticket.id
    on_ticket = mail.sender_email is not None and await inbound.is_on_ticket(
        conn, ticket.id, mail.sender_email
    )
    return Thread(ticket, by, trusted=signed or on_ticket)


async def _answered(
    conn: Connection, key: bytes, mail: ParsedMail, visible: Visibility
) -> tuple[TicketRow, str] | None:
    """The ticket the message's headers, reference token or subject token name (locked), and
    which of them named it: whoever sent the message."""
    ids = list(mail.thread_ids)
    # Interactions keep a long Message-ID as its digest (mail.stored_id): look up both forms.
    looked_up = sorted({*ids, *(stored_id(i) for i in ids)})
    stored = await inbound.tickets_of_message_ids(conn, looked_up) if ids else {}
    for candidate in ids:
        ticket_id = (
            mail_threads.ticket_of_message_id(key, candidate)
            or stored.get(candidate)
            or stored.get(stored_id(candidate))
        )
        found = await _lock(conn, ticket_id, visible)
        if found is not None:
            return found, "message_id"
    # A token in the subject counts as one in the body: clients that strip headers keep both.
    marked = f"{mail.subject}\n{mail.text}"
    found = await _lock(conn, mail_threads.ticket_of_reference(key, marked), visible)
    if found is not None:
        return found, "reference_token"
    found = await _lock(conn, mail_threads.ticket_of_subject(mail.subject), visible)
    if found is not None:
        return found, "subject_token"
    return None


async def _lock(conn: Connection, ticket_id: int | None, visible: Visibility) -> TicketRow | None:
    """The ticket, locked; for a merged ticket, the ticket it was merged into."""
    if ticket_id is None:
        return None
    return await ticket_store.lock(conn, await ticket_store.merged_target(conn, ticket_id), visible)


def email_out(row: InboundEmailRow) -> InboundEmailOut:
    """A received message as the API shows it."""
    return InboundEmailOut(
        id=row.id,
        message_id=row.message_id,
        kind=row.kind,  # type: ignore[arg-type]
        outcome=row.outcome,  # type: ignore[arg-type]
        threaded_by=row.threaded_by,  # type: ignore[arg-type]
        ticket_id=row.ticket_id,
        interaction_id=row.interaction_id,
        followed_ticket_id=row.followed_ticket_id,
        sender_email=row.sender_email,
        sender_name=row.sender_name,
        subject=row.subject,
        text=row.text,
        quoted=row.quoted,
        attachments=[ReceivedFileOut(**a) for a in row.attachments],
        automatic_reason=row.automatic_reason,
        sent_at=row.sent_at,
        received_at=row.received_at,
        held_ticket_id=row.held_ticket_id,
        decided_at=row.decided_at,
    )
