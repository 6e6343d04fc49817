"""Inbound chat: a gateway posts a conversation; it is one ticket (channel `chat`) and each
message one interaction, logged once per message id, whatever order and however often the
messages are posted."""

from datetime import datetime
from typing import Any

from app.db import Connection
from app.domain.access import OWN, Principal, Visibility
from app.errors import Conflict, Forbidden
from app.schemas import InteractionCreate, TicketCreate
from app.schemas.chat import ChatConversation, ChatMessage, ChatMessageOut, ChatOut
from app.services import idempotency, interactions
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.tickets import change, create
from app.services.tickets.shapes import CLOCK_SKEW, invalid, no_ticket
from app.store import chat as chat_store
from app.store import customers, tickets

SUBJECT_LENGTH = 120
CHAT = "chat"


def external_id(conversation_id: str) -> str:
    return f"chat:{conversation_id}"


def _subject_of(body: str, conversation_id: str) -> str:
    words = " ".join(body.split())
    return words[:SUBJECT_LENGTH] or f"Chat {conversation_id}"


def _subject_source(messages: list[ChatMessage]) -> ChatMessage:
    """The message a conversation's subject comes from: its earliest customer message (in sent
    order, whatever order they were posted in), else its earliest message."""
    ordered = sorted(messages, key=lambda m: (m.sent_at, m.id))
    return next((m for m in ordered if m.author == "customer"), ordered[0])


def _subject(data: ChatConversation) -> str:
    if data.subject:
        return data.subject
    return _subject_of(_subject_source(data.messages).body, data.conversation_id)


def _interaction(m: ChatMessage, not_before: datetime) -> InteractionCreate:
    customer = m.author == "customer"
    return InteractionCreate(
        kind="chat",
        direction="inbound" if customer else "outbound",
        public=True,
        author_type=m.author,
        author_name=m.author_name,
        body=m.body,
        # A conversation's own ticket opens at its earliest message (see `_open_earlier`); on
        # the ticket it was merged into, a message keeps its place as near as that allows.
        occurred_at=max(m.sent_at, not_before),
        external_id=m.id,
        attachment_ids=m.attachment_ids,
    )


def scope_refusal(actor: Principal) -> str | None:
    """Why a key may not post chat, or None: an integration key whose scope names neither the
    chat channel nor `own` would open a ticket it cannot see, then fail to write onto it."""
    if actor.scope is None or CHAT in actor.scope or OWN in actor.scope:
        return None
    scope = ", ".join(sorted(actor.scope))
    return f"this key's scope ({scope}) does not include the chat channel: it may not post chat"


async def receive(
    desk: Desk,
    data: ChatConversation,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
    idempotency_key: str | None,
) -> Written[ChatOut]:
    """The conversation's ticket (opened at its earliest message, moved back when an earlier
    one comes in a later post) and its messages logged in sent order, in one transaction."""
    refusal = scope_refusal(actor)
    if refusal is not None:
        raise Forbidden(refusal, field="scope")
    for i, m in enumerate(data.messages):
        if m.sent_at > now + CLOCK_SKEW:
            raise invalid(f"messages.{i}.sent_at", "must not be in the future")

    async def work(conn: Connection) -> Written[ChatOut]:
        ticket_id, opened_at, ticket_created, own = await _ticket(
            conn, desk, data, actor, visible, now
        )
        if own and not ticket_created:
            opened_at = await _open_earlier(conn, desk, ticket_id, data, actor, visible, now)
        logged = []
        for m in sorted(data.messages, key=lambda m: (m.sent_at, m.id)):
            written = await interactions.append(
                conn,
                desk,
                ticket_id,
                _interaction(m, opened_at),
                actor=actor,
                visible=visible,
                now=now,
            )
            logged.append(
                ChatMessageOut(id=m.id, interaction_id=written.body.id, created=written.created)
            )
        body = ChatOut(ticket_id=ticket_id, ticket_created=ticket_created, messages=logged)
        return Written(body, created=ticket_created)

    return await idempotency.run(desk, actor, idempotency_key, "inbound.chat", data, work, now=now)


async def _ticket(
    conn: Connection,
    desk: Desk,
    data: ChatConversation,
    actor: Principal,
    visible: Visibility,
    now: datetime,
) -> tuple[int, datetime, bool, bool]:
    """(id, opened at, created now, the conversation's own ticket rather than the one it was
    merged into) of the conversation's ticket."""
    known = await tickets.by_external_id(conn, "chat", external_id(data.conversation_id))
    if known is not None:
        if not await tickets.exists(conn, await tickets.merged_target(conn, known.id), visible):
            raise Conflict(
                "a chat ticket for this conversation exists and is not yours to see",
                field="conversation_id",
            )
        _, named, _ = await customers.revision_and_customer(conn, email=data.customer.email)
        if named is None or named != known.customer_id:
            # The conversation's messages are its customer's: a post naming someone else is a
            # gateway's mistake (or a reused conversation id), never theirs to attribute.
            raise Conflict(
                f"conversation {data.conversation_id} is ticket {known.id}'s, whose customer is "
                "not the customer this post names; post another customer's chat as another "
                "conversation",
                field="customer.email",
            )
        if known.merged_into_id is not None:
            # A merged conversation goes on on the ticket it was merged into.
            target = await tickets.get(conn, await tickets.merged_target(conn, known.id), visible)
            assert target is not None  # seen just above
            return target.id, target.created_at, False, False
        return known.id, known.created_at, False, True
    opened_at = min(min(m.sent_at for m in data.messages), now)
    written = await create.create_on(
        conn,
        desk,
        TicketCreate(
            subject=_subject(data),
            channel="chat",
            customer=data.customer,
            language=data.language,
            external_id=external_id(data.conversation_id),
            created_at=opened_at,
        ),
        actor=actor,
        visible=visible,
        now=now,
    )
    return written.body["id"], written.body["created_at"], written.created, True


def _precedes(message: ChatMessage, logged: chat_store.SubjectSource) -> bool:
    """Whether `message` is a better source of the subject than the one it came from."""
    from_customer = message.author == "customer"
    if from_customer != logged.from_customer:
        return from_customer
    return message.sent_at < logged.occurred_at


async def _open_earlier(
    conn: Connection,
    desk: Desk,
    ticket_id: int,
    data: ChatConversation,
    actor: Principal,
    visible: Visibility,
    now: datetime,
) -> datetime:
    """A post holding messages sent before the conversation's ticket opened (the gateway sent
    them late): the ticket opens at the earliest instead, its status log's opening with it, so
    its clocks are derived again from there; a subject taken from the messages is taken again
    from the earliest customer message (one an agent edited stays). The ticket's opening."""
    ticket = await tickets.lock(conn, ticket_id, visible)
    if ticket is None:
        raise no_ticket(ticket_id)
    earliest = min(m.sent_at for m in data.messages)
    columns: dict[str, Any] = {}
    changed: dict[str, tuple[Any, Any]] = {}
    if earliest < ticket.created_at:
        columns["created_at"] = earliest
        columns["status_log"] = _opened_at(ticket.status_log, ticket.created_at, earliest)
        changed["created_at"] = (ticket.created_at, earliest)
    source = None if data.subject else await chat_store.subject_source(conn, ticket.id)
    if source is not None:
        derived = _subject_of(source.body, data.conversation_id)
        earlier = _subject_source(data.messages)
        if ticket.subject == derived and _precedes(earlier, source):
            subject = _subject_of(earlier.body, data.conversation_id)
            if subject != ticket.subject:
                columns["subject"] = subject
                changed["subject"] = (ticket.subject, subject)
    if not columns:
        return ticket.created_at
    applied = await change.apply(
        conn,
        desk,
        ticket,
        change.TicketChange(
            columns=columns,
            changed=changed,
            updated=True,
            note="an earlier chat message arrived",
        ),
        actor=actor,
        at=max(now, ticket.updated_at),
    )
    return applied.ticket.created_at


def _opened_at(log: list[list[str]] | None, opened: datetime, earlier: datetime) -> list[list[str]]:
    """The status log with its opening (the first entry, at `opened`) moved to `earlier`."""
    entries = [list(e) for e in log or [[opened.isoformat(), "new"]]]
    if datetime.fromisoformat(entries[0][0]) == opened:
        entries[0][0] = earlier.isoformat()
    else:  # the log does not start at the opening: the opening goes before it
        entries.insert(0, [earlier.isoformat(), entries[0][1]])
    return entries
