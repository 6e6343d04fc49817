"""Who sees which events on a stream: an audience (the caller's visibility, the filters, the
shape), matched in memory by the rule the feed's SQL states, and an event's frame in its shape."""

from dataclasses import dataclass

from app.domain.access import Visibility, sees
from app.domain.events import INTERACTION_ADDED
from app.errors import Forbidden
from app.schemas.events import EventStreamQuery
from app.schemas.portal import CUSTOMER_EVENT_TYPES, CustomerEventOut
from app.services.event_stream.limits import Wire
from app.services.outbox import out
from app.store.events import EventRow, TailEvent


@dataclass(frozen=True, slots=True)
class Audience:
    """Which events a stream sends, and in which shape: those its caller sees, of its types and
    ticket; a customer's (`customer`) only those a customer may know of, in the customer's
    shape. Streams of one audience are sent the same bytes."""

    visible: Visibility
    types: frozenset[str]
    ticket_id: int | None
    customer: bool = False

    @classmethod
    def of(cls, query: EventStreamQuery, visible: Visibility) -> "Audience":
        """The audience of a stream asked for with `query` by a caller who sees `visible`: a
        customer's (their tickets: a customer token) when `visible` names a customer. A
        customer asking for a type outside CUSTOMER_EVENT_TYPES is refused (403 naming it)."""
        types = frozenset(query.type)
        customer = visible.customer_id is not None
        if customer:
            refused = sorted(types - CUSTOMER_EVENT_TYPES)
            if refused:
                allowed = ", ".join(sorted(CUSTOMER_EVENT_TYPES))
                raise Forbidden(
                    f"a customer token's stream carries {allowed} only; "
                    f"it may not ask for {', '.join(refused)}",
                    errors=[{"field": "query.type", "message": f"one of {allowed}"}],
                )
            # Read from the table as a filter: the others are never read for a customer.
            types = types or CUSTOMER_EVENT_TYPES
        return cls(visible, types, query.ticket_id, customer)

    def wants(self, event: TailEvent) -> bool:
        row = event.row
        if self.types and row.type not in self.types:
            return False
        if self.ticket_id is not None and row.ticket_id != self.ticket_id:
            return False
        # As the feed's predicate says: an event about the desk (no ticket) is the staff's;
        # an event of a ticket is seen by whoever sees the ticket.
        if row.ticket_id is None:
            return self.visible.desk
        if event.ticket is None:  # its ticket is gone: only a caller who sees everything
            return self.visible.everything
        return sees(self.visible, event.ticket)


def customer_event_out(row: EventRow) -> CustomerEventOut | None:
    """What the customer may know of an event of their ticket, each field written out here;
    None for one they may not (a type outside CUSTOMER_EVENT_TYPES, an internal interaction)."""
    if row.type not in CUSTOMER_EVENT_TYPES or row.ticket_id is None:
        return None
    data = row.payload
    interaction_id = None
    if row.type == INTERACTION_ADDED:
        if data.get("public") is not True:
            return None
        interaction_id = data["interaction_id"]
    return CustomerEventOut(
        type=row.type,  # type: ignore[arg-type]
        ticket_id=row.ticket_id,
        status=data["status"],
        interaction_id=interaction_id,
        occurred_at=row.occurred_at,
    )


def frame_of(wire: Wire, row: EventRow, cursor: str, *, customer: bool) -> bytes | None:
    """The event's frame in the staff's shape, or in the customer's (None: nothing of it is
    theirs)."""
    if not customer:
        return wire.event(cursor, row.type, out(row).model_dump_json())
    shown = customer_event_out(row)
    if shown is None:
        return None
    return wire.event(cursor, row.type, shown.model_dump_json())
