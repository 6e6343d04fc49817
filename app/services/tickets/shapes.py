"""A ticket as the API shows an agent and as it shows the ticket's customer, and the refusals
the ticket use cases share."""

from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from app.errors import Conflict, NotFound, UnprocessableEntity
from app.schemas import TicketOut
from app.schemas.portal import CustomerTicketOut
from app.store.tickets import LAST_PUBLIC_ACTIVITY, TicketRow

# A clock a few minutes fast on the caller's side is not an attempt to create the future.
CLOCK_SKEW = timedelta(minutes=5)

# TicketOut's fields in its order. Reads render rows straight into this shape: rendering is the
# hot path of every read, and validating what the database returned would only check it against
# itself (tests check the shape against the schema).
OUT_FIELDS = tuple(name for name in TicketOut.model_fields if name != "sla")
_DERIVED = ("priority_overridden", "routing")
_STORED = tuple(name for name in OUT_FIELDS if name not in _DERIVED)
# The stored fields' values in one C call, and where the derived ones go among them (in
# ascending order, so that inserting each in turn puts it at its place): half the cost of
# reading 36 attributes one by one into a dict and reordering it.
_STORED_VALUES = attrgetter(*_STORED)
_DERIVED_AT = sorted(OUT_FIELDS.index(name) for name in _DERIVED)
assert [OUT_FIELDS[i] for i in _DERIVED_AT] == list(_DERIVED)
# Routing: why the ticket is in its team, from the two columns that record it.
_ROUTING_SQL = (
    "CASE WHEN routing_reason IS NULL THEN NULL ELSE jsonb_build_object("
    "'rule_id', routed_by_rule_id, 'reason', routing_reason) END AS routing"
)


def routing_of(ticket: TicketRow) -> dict[str, Any] | None:
    if ticket.routing_reason is None:
        return None
    return {"rule_id": ticket.routed_by_rule_id, "reason": ticket.routing_reason}


def ticket_out(ticket: TicketRow, clocks: dict[str, Any]) -> dict[str, Any]:
    """The ticket as TicketOut (a dict in its field order), with its clocks (clocks.shown)."""
    values = list(_STORED_VALUES(ticket))
    overridden_at, routing_at = _DERIVED_AT
    values.insert(overridden_at, ticket.priority_override is not None)
    values.insert(routing_at, routing_of(ticket))
    body = dict(zip(OUT_FIELDS, values, strict=True))
    body["sla"] = clocks
    return body


# A list item's columns: TicketOut's fields in its order, then what its SLA summary needs.
LIST_COLUMNS = (
    *(
        "priority_override IS NOT NULL AS priority_overridden"
        if name == "priority_overridden"
        else _ROUTING_SQL
        if name == "routing"
        else name
        for name in OUT_FIELDS
    ),
    "sla_policy_id",
    "sla_due_at",
    "sla_warning_at",
)


# CustomerTicketOut's fields in its order: all a customer token receives of a ticket. A column
# reaches the customer only by being a field of that class.
CUSTOMER_FIELDS = tuple(CustomerTicketOut.model_fields)
_CUSTOMER_STORED = tuple(name for name in CUSTOMER_FIELDS if name != "last_activity_at")
# A customer's list item's columns: CustomerTicketOut's fields in its order.
CUSTOMER_LIST_COLUMNS = tuple(
    f"{LAST_PUBLIC_ACTIVITY} AS last_activity_at" if name == "last_activity_at" else name
    for name in CUSTOMER_FIELDS
)


def customer_ticket_out(ticket: TicketRow, last_activity_at: datetime) -> dict[str, Any]:
    """The ticket as CustomerTicketOut (a dict in its field order)."""
    body = {name: getattr(ticket, name) for name in _CUSTOMER_STORED}
    body["last_activity_at"] = last_activity_at
    return {name: body[name] for name in CUSTOMER_FIELDS}


def invalid(field: str, message: str) -> UnprocessableEntity:
    return UnprocessableEntity(f"{field}: {message}", errors=[{"field": field, "message": message}])


def no_ticket(ticket_id: int) -> NotFound:
    return NotFound(f"ticket {ticket_id} does not exist")


def unique_tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


def refuse_if_merged(ticket: TicketRow) -> None:
    """A merged ticket takes no more writes: the refusal names the ticket it was merged into,
    where the write belongs."""
    if ticket.merged_into_id is not None:
        raise Conflict(
            f"ticket {ticket.id} was merged into ticket {ticket.merged_into_id} and takes no "
            f"more changes; write to ticket {ticket.merged_into_id}",
            merged_into_id=ticket.merged_into_id,
        )
