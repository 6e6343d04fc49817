"""Inbound chat: a gateway posts a conversation; it is one ticket (channel `chat`) and each
message one interaction, logged once per message id, whatever order and however often the
messages are posted."""

from datetime import datetime

from app.db import Connection
from app.domain.access import OWN, Principal, Visibility
from app.errors import Conflict, Forbidden
from app.schemas import InteractionCreate, TicketCreate
from app.schemas.chat import ChatConversation, ChatMessage, ChatMessageOut, ChatOut
from app.services import idempotency, interactions
from app.services.desk import Desk
from app.services.idempotency import Written
from app.services.tickets import create
from app.services.tickets.shapes import CLOCK_SKEW, invalid
from app.store import customers, tickets

SUBJECT_LENGTH = 120
CHAT = "chat"


def external_id(conversation_id: str) -> str:
    return f"chat:{conversation_id}"


def _subject(data: ChatConversation) -> str:
    if data.subject:
        return data.subject
    first = next((m for m in data.messages if m.author == "customer"), data.messages[0])
    words = " ".join(first.body.split())
    return words[:SUBJECT_LENGTH] or f"Chat {data.conversation_id}"


def _interaction(m: ChatMessage, not_before: datetime) -> InteractionCreate:
    customer = m.author == "customer"
    return InteractionCreate(
        kind="chat",
        direction="inbound" if customer else "outbound",
        public=True,
        author_type=m.author,
        author_name=m.author_name,
        body=m.body,
        # A message replayed after the ticket was opened by a later one keeps its place as
        # near as the ticket allows: not before the ticket itself.
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
    """The conversation's ticket (opened at its earliest message when new) and its messages
    logged in sent order, all in one transaction."""
    refusal = scope_refusal(actor)
    if refusal is not None:
        raise Forbidden(refusal, field="scope")
    for i, m in enumerate(data.messages):
        if m.sent_at > now + CLOCK_SKEW:
            raise invalid(f"messages.{i}.sent_at", "must not be in the future")

    async def work(conn: Connection) -> Written[ChatOut]:
        ticket_id, opened_at, ticket_created = await _ticket(conn, desk, data, actor, visible, now)
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
) -> tuple[int, datetime, bool]:
    """(id, opened at, created now) of the conversation's ticket."""
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
            return target.id, target.created_at, False
        return known.id, known.created_at, False
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
    return written.body["id"], written.body["created_at"], written.created
