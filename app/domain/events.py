"""The events a ticket's changes cause, as integrations receive them: types and payloads.

Payloads carry ids, states and the names of changed fields, never free text or personal data
(names, addresses, bodies): an event outlives a customer's erasure in receivers' systems, so
it must hold nothing an erasure would have to take back. A receiver reads the rest through the
API, which applies the caller's visibility and the erasures."""

from collections.abc import Mapping
from typing import Any

TICKET_CREATED = "ticket.created"
TICKET_UPDATED = "ticket.updated"
TICKET_STATUS_CHANGED = "ticket.status_changed"
TICKET_ASSIGNED = "ticket.assigned"
INTERACTION_ADDED = "interaction.added"
ESCALATION_CREATED = "escalation.created"
SLA_WARNING = "sla.warning"
SLA_BREACH = "sla.breach"
REMINDER_DUE = "reminder.due"
SURVEY_RECEIVED = "survey.received"
QA_REVIEW_CREATED = "qa.review.created"
QA_REVIEW_DISPUTED = "qa.review.disputed"
TICKET_MERGED = "ticket.merged"
PARTICIPANT_ADDED = "ticket.participant_added"
PARTICIPANT_REMOVED = "ticket.participant_removed"
# Events of the desk itself, about no ticket: staff receive them, customers never.
KB_ARTICLE_PUBLISHED = "kb.article.published"
KB_ARTICLE_UPDATED = "kb.article.updated"
KB_ARTICLE_ARCHIVED = "kb.article.archived"
REPORT_READY = "report.ready"
DESK_EVENT_TYPES = frozenset(
    {KB_ARTICLE_PUBLISHED, KB_ARTICLE_UPDATED, KB_ARTICLE_ARCHIVED, REPORT_READY}
)

EVENT_TYPES = (
    TICKET_CREATED,
    TICKET_UPDATED,
    TICKET_STATUS_CHANGED,
    TICKET_ASSIGNED,
    INTERACTION_ADDED,
    ESCALATION_CREATED,
    SLA_WARNING,
    SLA_BREACH,
    REMINDER_DUE,
    SURVEY_RECEIVED,
    QA_REVIEW_CREATED,
    QA_REVIEW_DISPUTED,
    TICKET_MERGED,
    PARTICIPANT_ADDED,
    PARTICIPANT_REMOVED,
    KB_ARTICLE_PUBLISHED,
    KB_ARTICLE_UPDATED,
    KB_ARTICLE_ARCHIVED,
    REPORT_READY,
)

# Fields whose values are ids, states or categories: an update's payload carries their old and
# new values. Every other changed field (subject, description, tags, asset fields…) is named only.
VALUED_FIELDS = frozenset(
    {
        "status",
        "priority",
        "impact",
        "urgency",
        "type",
        "channel",
        "team_id",
        "assignee_id",
        "customer_id",
        "tier",
        "language",
        "reopen_count",
        "first_responded_at",
    }
)

Change = tuple[Any, Any]


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def ticket_facts(ticket: Any) -> dict[str, Any]:
    """What every ticket event says of its ticket (after the change)."""
    return {
        "ticket_id": ticket.id,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "team_id": ticket.team_id,
        "assignee_id": ticket.assignee_id,
        "customer_id": ticket.customer_id,
        "version": ticket.version,
    }


def interaction_facts(interaction: Any, ticket: Any) -> dict[str, Any]:
    """An `interaction.added` event's payload: what it was, never what it said, nor what
    threads mail (Message-IDs, `[ref:…]` tokens, the `[#id]` subject): a receiver holding a
    customer's Message-ID or the desk's signed mark could write onto the ticket as if it were
    on it. A gateway that sends agents' email replies reads their headers from the API."""
    return {
        **ticket_facts(ticket),
        "interaction_id": interaction.id,
        "kind": interaction.kind,
        "direction": interaction.direction,
        "public": interaction.public,
        "author_type": interaction.author_type,
        "occurred_at": interaction.occurred_at.isoformat(),
    }


def participant_facts(ticket_id: int, customer_id: int, role: str) -> dict[str, Any]:
    """A participant event's payload: who (by id) joined or left the ticket, in which role;
    never their name or address."""
    return {"ticket_id": ticket_id, "participant_customer_id": customer_id, "role": role}


def escalation_facts(escalation: Any, ticket: Any) -> dict[str, Any]:
    """An `escalation.created` event's payload: the move (never its reason, free text) and the
    ticket after it."""
    return {
        **ticket_facts(ticket),
        "escalation_id": escalation.id,
        "kind": escalation.kind,
        "trigger": escalation.trigger,
        "from_team_id": escalation.from_team_id,
        "to_team_id": escalation.to_team_id,
        "from_tier": escalation.from_tier,
        "to_tier": escalation.to_tier,
        "from_agent_id": escalation.from_agent_id,
        "to_agent_id": escalation.to_agent_id,
    }


def change_events(
    facts: Mapping[str, Any], changed: Mapping[str, Change], *, updated: bool
) -> list[tuple[str, dict[str, Any]]]:
    """The events one change of a ticket causes, in order: `ticket.updated` (when the change was
    an update of the ticket itself), then `ticket.status_changed` and `ticket.assigned` when the
    status or the assignee moved (by an update or as an interaction's consequence)."""
    events: list[tuple[str, dict[str, Any]]] = []
    if updated and changed:
        events.append(
            (
                TICKET_UPDATED,
                {
                    **facts,
                    "fields": sorted(changed),
                    "changes": {
                        f: {"from": _plain(old), "to": _plain(new)}
                        for f, (old, new) in sorted(changed.items())
                        if f in VALUED_FIELDS
                    },
                },
            )
        )
    if "status" in changed:
        old, new = changed["status"]
        events.append((TICKET_STATUS_CHANGED, {**facts, "from": old, "to": new}))
    if "assignee_id" in changed:
        old, new = changed["assignee_id"]
        events.append((TICKET_ASSIGNED, {**facts, "from": old, "to": new}))
    return events
