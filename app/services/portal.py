"""A ticket's messages as its customer's portal token sees them: listing the public ones and
adding the customer's reply, each answered in the customer's shape (CustomerInteractionOut)."""

from collections.abc import Sequence
from datetime import datetime

from app.domain.access import Principal, Visibility
from app.errors import Conflict
from app.schemas import InteractionCreate, InteractionOut, Page
from app.schemas.attachments import CustomerAttachmentOut
from app.schemas.portal import CustomerInteractionOut
from app.services import attachments, interactions
from app.services.context import Desk
from app.services.idempotency import Written


def customer_interaction_out(interaction: InteractionOut) -> CustomerInteractionOut:
    """What the customer may see of a public interaction; each field written out here."""
    return CustomerInteractionOut(
        id=interaction.id,
        ticket_id=interaction.ticket_id,
        kind=interaction.kind,
        direction=interaction.direction,
        author_type=interaction.author_type,
        author_name=interaction.author_name,
        body=interaction.body,
        occurred_at=interaction.occurred_at,
        attachments=[
            CustomerAttachmentOut(
                id=a.id, filename=a.filename, content_type=a.content_type, size=a.size
            )
            for a in interaction.attachments
            if not a.erased
        ],
    )


async def list_public_interactions(
    desk: Desk, ticket_id: int, *, visible: Visibility, limit: int, cursor: str | None
) -> Page[CustomerInteractionOut]:
    """The ticket's public interactions, in the order they happened."""
    page = await interactions.list_interactions(
        desk, ticket_id, visible=visible, public_only=True, limit=limit, cursor=cursor
    )
    return Page[CustomerInteractionOut](
        items=[customer_interaction_out(i) for i in page.items], next_cursor=page.next_cursor
    )


async def reply(
    desk: Desk,
    ticket_id: int,
    data: InteractionCreate,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
    files: Sequence[attachments.SentFile] = (),
) -> Written[CustomerInteractionOut]:
    """Log the customer's reply (its shape checked at the door: inbound, public, by them). An
    `external_id` the ticket already has returns that reply when it is the customer's own (their
    retry); when it is anything else (an agent's mail, an internal note) it is a 409 that says
    nothing of it: a customer cannot read a message by guessing its id."""
    written = await interactions.log_interaction(
        desk,
        ticket_id,
        data,
        actor=actor,
        visible=visible,
        now=now,
        idempotency_key=None,
        files=files,
    )
    logged = written.body
    own = (
        logged.public and logged.author_type == "customer" and logged.author_id == actor.customer_id
    )
    if not own:
        raise Conflict(
            f"the external_id is taken on ticket {ticket_id}; send the reply with another",
            errors=[{"field": "external_id", "message": "taken on this ticket"}],
        )
    return Written(customer_interaction_out(logged), created=written.created)
