"""The API reference's written text for tickets and the work on them (interactions, attachments,
participants, links, escalations, follow-ups, call-backs, surveys): summaries, realistic examples
and field descriptions, merged into app/openapi_doc/written.py's tables."""

from typing import Any

from app.openapi_doc.written_fields import T0

_TICKET = {
    "status": "open",
    "type": "incident",
    "priority_overridden": False,
    "reopen_count": 0,
    "agent_reply_count": 1,
    "customer_reply_count": 1,
    "interaction_count": 2,
    "escalated_to_id": None,
    "resolved_by_id": None,
}


def _clock(metric: str, state: str, target: int, used: int, due: str, warn: str) -> dict[str, Any]:
    """One SLA clock as a ticket shows it."""
    hours = target // 3600
    done = state == "met"
    return {
        "metric": metric,
        "state": state,
        "target_seconds": target,
        "started_at": T0 if metric != "next_update" else "2026-03-02T09:31:12Z",
        "stopped_at": "2026-03-02T09:31:12Z" if done else None,
        "due_at": due,
        "warning_at": warn,
        "business_seconds_used": used,
        "business_seconds_remaining": target - used,
        "percent_used": round(100 * used / target, 1),
        "explanation": f"{metric}: {hours}h business target under 'Enterprise' on calendar "
        f"'Utrecht shop', " + ("met at 2026-03-02T09:31:12Z" if done else f"due {due}"),
    }


TICKET_SLA = {
    "state": "on_track",
    "policy_id": 2,
    "policy_name": "Enterprise",
    "calendar": "Utrecht shop",
    "first_response": _clock(
        "first_response", "met", 3600, 1025, "2026-03-02T10:14:07Z", "2026-03-02T10:02:07Z"
    ),
    "next_update": _clock(
        "next_update", "on_track", 86400, 1860, "2026-03-05T09:31:12Z", "2026-03-04T15:47:12Z"
    ),
    "resolution": _clock(
        "resolution", "on_track", 28800, 1860, "2026-03-02T17:14:07Z", "2026-03-02T15:38:07Z"
    ),
}


# A summary for every operation.
SUMMARIES: dict[str, str] = {
    "tickets_create": "Open a ticket",
    "tickets_merge": "Merge duplicate tickets into this one (irreversible)",
    "ticket_participants_create": "Copy someone on a ticket (cc) or let them follow it",
    "ticket_participants_list": "List the people copied on or following a ticket",
    "ticket_participants_delete": "Take someone off a ticket's participants",
    "attachments_create": "Upload a file, to send with an interaction's attachment_ids",
    "attachments_download": "Download a file, if you may see its interaction",
    "tickets_list": "List and search the tickets you can see",
    "tickets_get": "Read one ticket with its SLA clocks",
    "tickets_update": "Change a ticket (status, priority, team, assignee, fields)",
    "tickets_sla": "Read a ticket's SLA clocks and pauses",
    "tickets_split": "Split part of a ticket into a new ticket",
    "ticket_links_create": "Link two tickets (related, duplicate, parent/child)",
    "ticket_links_list": "List a ticket's links",
    "interactions_create": "Log a call, email, chat, note or SMS on a ticket",
    "interactions_list": "List a ticket's interactions, oldest first",
    "ticket_history": "Read a ticket's history: who changed what, when",
    "interactions_find": "Find interactions by a gateway's external id",
    "callbacks_create": "Promise a customer a call back",
    "callbacks_list": "List a ticket's promised call-backs",
    "reminders_list": "List follow-up and call-back reminders",
    "reminders_get": "Read one reminder",
    "reminders_update": "Mark a reminder done or dismissed",
    "sla_events_list": "Follow SLA warnings and breaches as they are recorded",
    "worker_status": "See the workers: replicas, heartbeats, timers overdue",
    "escalations_create": "Escalate a ticket (functional, hierarchical) or transfer it",
    "ticket_escalations_list": "List a ticket's escalations and transfers",
    "tickets_deescalate": "Return a ticket to a lower tier",
    "escalations_list": "List escalations across tickets",
    "escalations_acknowledge": "Acknowledge an escalation you received",
    "escalation_matrix_get": "Read the rules that escalate on SLA warnings and breaches",
    "escalation_matrix_replace": "Replace the escalation matrix",
    "surveys_create": "Record a customer's CSAT or NPS answer",
    "surveys_list": "List survey answers",
}

# A field's example in one schema, where the name alone says too little.
SCHEMA_FIELDS: dict[str, dict[str, Any]] = {
    "EscalationOut": {"id": 88, "reason": "needs a network engineer"},
    "ReminderOut": {"id": 612},
    "SlaEventOut": {"id": 881},
    "InteractionOut": {
        "id": 90211,
        "kind": "email",
        "attachments": [
            {
                "id": 5120,
                "interaction_id": 90211,
                "filename": "vpn-client.log",
                "content_type": "text/plain",
                "size": 18432,
                "sha256": "9f2c1e0b7a4d3c8e5f6a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6",
                "created_at": "2026-03-02T09:30:58Z",
                "erased": False,
            }
        ],
    },
    "AttachmentOut": {
        "id": 5120,
        "interaction_id": 90211,
        "filename": "vpn-client.log",
        "content_type": "text/plain",
        "size": 18432,
        "sha256": "9f2c1e0b7a4d3c8e5f6a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6",
        "created_at": "2026-03-02T09:30:58Z",
        "erased": False,
    },
    "CustomerInteractionOut": {
        "attachments": [
            {"id": 5120, "filename": "vpn-client.log", "content_type": "text/plain", "size": 18432}
        ]
    },
    "LinkOut": {"id": 31, "kind": "related"},
    "HistoryEntryOut": {
        "id": 20931,
        "action": "updated",
        "field": "status",
        "old_value": "new",
        "new_value": "open",
    },
    "SurveyOut": {"id": 702},
    "TicketOut": _TICKET,
    "TicketListItem": _TICKET,
    "TicketRouting": {"reason": "routing rule 6 'VPN': category starts with 'network/vpn'"},
    "CallbackOut": {"id": 140, "missed_at": "2026-03-03T14:00:00Z"},
    "TicketSlaSummary": {"state": "on_track"},
    "OutboundEmailOut": {"subject": "Re: VPN drops every few minutes [#4711]"},
    "WorkerReplicaOut": {
        "id": "451045a2167947598a41168a93869184",
        "started_at": "2026-03-01T22:00:00Z",
    },
    "SlaPauseOut": {
        "status": "pending",
        "start": "2026-03-02T10:05:00Z",
        "end": "2026-03-02T11:40:00Z",
    },
}

# Whole examples for schemas whose fields do not tell the story one by one (or that other
# files give a plainer example of).
SCHEMAS: dict[str, Any] = {
    "TicketCreate": {
        "subject": "VPN drops every few minutes",
        "description": "Since this morning the VPN disconnects every five minutes for the whole "
        "shop.",
        "type": "incident",
        "impact": "department",
        "urgency": "high",
        "channel": "phone",
        "category": "network/vpn",
        "tags": ["vpn", "shop-utrecht"],
        "language": "nl",
        "product": "Corporate VPN",
        "customer": {"name": "Femke de Vries", "email": "femke.devries@example.nl"},
    },
    "TicketUpdate": {"status": "pending", "assignee_id": 12, "tags": ["vpn", "waiting-on-isp"]},
    "NpsAnswer": {"kind": "nps", "score": 9, "comment": "Snel opgelost, dank je wel!"},
    "TicketSlaOut": TICKET_SLA,
    "TicketSlaDetail": {
        **TICKET_SLA,
        "ticket_id": 4711,
        "pauses": [{"status": "pending", "start": "2026-03-02T10:05:00Z", "end": None}],
    },
}

# Request bodies that are not one schema (a choice of two, an optional body).
REQUESTS: dict[str, Any] = {
    "attachments_create": "(the file's bytes, e.g. a PNG screenshot)",
    "surveys_create": {"kind": "csat", "score": 5, "comment": "Snel opgelost, dank je wel!"},
}

# What a field means in one schema, where its name is not enough.
SCHEMA_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "CustomerAttachmentOut": {"size": "Bytes."},
    "SlaEventOut": {"kind": "`warning` or `breach`."},
    "ReminderOut": {"kind": "`follow_up`, `callback` or `escalation_ack`."},
    "EscalationOut": {"kind": "`functional`, `hierarchical` or `transfer`."},
    "InteractionOut": {"kind": "call, email, chat, note, callback or sms."},
    "InteractionCreate": {"kind": "call, email, chat, note, callback or sms."},
    "CsatAnswer": {"kind": "`csat`.", "score": "1 (very unhappy) to 5 (very happy)."},
    "NpsAnswer": {"kind": "`nps`.", "score": "0 to 10: how likely they recommend you."},
    "SurveyOut": {"kind": "`csat` or `nps`."},
    "SlaMetricOut": {"metric": "Which clock it is."},
}
