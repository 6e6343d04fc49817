"""What the API reference says in people's words: a summary for every operation, and realistic
examples (a Dutch customer, a Greek calendar, a Thai ticket) for request bodies and for the fields
the responses are made of. `annotate` writes them into the OpenAPI document the app serves."""

from typing import Any

from app.openapi_doc import written_kb_qa as kb_qa
from app.openapi_doc import written_reports as reports
from app.openapi_doc.examples import _example

Spec = dict[str, Any]

SUMMARIES = {
    "healthz": "Is the process alive?",
    "readyz": "Can it serve: database reachable, schema current?",
    "tickets_create": "Open a ticket",
    "tickets_merge": "Merge duplicate tickets into this one (irreversible)",
    "ticket_participants_create": "Copy someone on a ticket (cc) or let them follow it",
    "ticket_participants_list": "List the people copied on or following a ticket",
    "ticket_participants_delete": "Take someone off a ticket's participants",
    "sla_policies_what_if": "Replay a period under a draft SLA policy or calendar (read-only)",
    "attachments_create": "Upload a file, to send with an interaction's attachment_ids",
    "attachments_download": "Download a file, if you may see its interaction",
    "events_stream": (
        "Follow the event feed live (Server-Sent Events), resuming by Last-Event-ID; "
        "a customer token: its tickets' public events"
    ),
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
    "customers_create": "Add a customer",
    "customers_list": "List customers",
    "customers_get": "Read one customer",
    "customers_update": "Change a customer's details",
    "teams_create": "Add a team",
    "customer_tokens_revoke": "Revoke one of a customer's portal tokens, at once everywhere",
    "customer_tokens_revoke_all": "Revoke every portal token of a customer",
    "inbound_held_list": "List held mail: messages that named a ticket their sender is not on",
    "inbound_held_accept": "Accept a held message into the ticket it answers, or as a new ticket",
    "inbound_held_reject": "Reject a held message (its content is erased at once)",
    "teams_list": "List teams",
    "teams_get": "Read one team",
    "teams_update": "Change a team (tier, supervisor, assignment)",
    "agents_create": "Add an agent",
    "agents_list": "List agents",
    "agents_get": "Read one agent",
    "agents_update": "Change an agent (team, role, availability, capacity)",
    "api_keys_create": "Create an API key (its secret is shown once)",
    "api_keys_list": "List API keys (never their secrets)",
    "api_keys_rotate": "Rotate a key: a new secret, the old one works for a grace period",
    "api_keys_revoke": "Revoke a key at once",
    "customer_tokens_create": "Give a customer a portal token",
    "calendars_create": "Add a business calendar (hours, holidays, time zone)",
    "calendars_list": "List business calendars",
    "calendars_get": "Read one business calendar",
    "calendars_replace": "Replace a business calendar; live tickets' due times follow",
    "sla_policies_create": "Add an SLA policy",
    "sla_policies_list": "List SLA policies in the order they are tried",
    "sla_policies_get": "Read one SLA policy",
    "sla_policies_replace": "Replace an SLA policy; live tickets' due times follow",
    "priority_matrix_get": "Read the impact × urgency priority matrix",
    "priority_matrix_replace": "Replace the priority matrix",
    "callbacks_create": "Promise a customer a call back",
    "callbacks_list": "List a ticket's promised call-backs",
    "reminders_list": "List follow-up and call-back reminders",
    "reminders_get": "Read one reminder",
    "reminders_update": "Mark a reminder done or dismissed",
    "sla_events_list": "Follow SLA warnings and breaches as they are recorded",
    "worker_status": "See the workers: replicas, heartbeats, timers overdue",
    "audit_log_list": "Read the audit log",
    "customers_export": "Export everything held about a customer",
    "customers_erase": "Erase a customer's personal data",
    "backups_last": "See the last backup and whether it was verified",
    "inbound_email_receive": "Hand in an email the gateway received",
    "imports_ticket": "Import a ticket with its past from another help desk",
    "imports_tickets_batch": "Import up to 100 tickets, each on its own",
    "escalations_create": "Escalate a ticket (functional, hierarchical) or transfer it",
    "ticket_escalations_list": "List a ticket's escalations and transfers",
    "tickets_deescalate": "Return a ticket to a lower tier",
    "escalations_list": "List escalations across tickets",
    "escalations_acknowledge": "Acknowledge an escalation you received",
    "escalation_matrix_get": "Read the rules that escalate on SLA warnings and breaches",
    "escalation_matrix_replace": "Replace the escalation matrix",
    "routing_rules_create": "Add a routing rule",
    "routing_rules_list": "List routing rules in the order they are tried",
    "routing_rules_get": "Read one routing rule",
    "routing_rules_update": "Change a routing rule",
    "routing_rules_delete": "Delete a routing rule",
    "events_list": "Follow ticket events in commit order",
    "webhooks_create": "Subscribe a URL to events",
    "webhooks_list": "List webhook subscriptions",
    "webhooks_get": "Read one webhook subscription",
    "webhooks_update": "Change a webhook subscription",
    "webhooks_delete": "Delete a webhook subscription",
    "webhook_deliveries_list": "List a subscription's deliveries and their attempts",
    "webhook_deliveries_redeliver": "Send a delivered or dead delivery again",
    "inbound_chat": "Hand in a chat conversation (all of it, or its new messages)",
    "surveys_create": "Record a customer's CSAT or NPS answer",
    "surveys_list": "List survey answers",
    "metrics_summary": "Every KPI of a period",
    "metrics_timeseries": "One KPI per day, week or month",
    "metrics_agents": "Figures per agent",
    "prometheus_metrics": "Prometheus metrics",
    "exports_tickets": "Export tickets changed since a cursor (NDJSON or CSV)",
}

T0 = "2026-03-02T09:14:07Z"

# A field's example by its name, wherever it appears (unless the schema's own table below
# says otherwise, or the value does not fit the field's type).
FIELDS: dict[str, Any] = {
    "id": 4711,
    "ticket_id": 4711,
    "linked_ticket_id": 4698,
    "followed_ticket_id": 4698,
    "customer_id": 318,
    "team_id": 3,
    "agent_id": 12,
    "assignee_id": 12,
    "author_id": 12,
    "supervisor_id": 7,
    "escalated_to_id": 7,
    "to_agent_id": 7,
    "from_agent_id": 12,
    "from_team_id": 3,
    "to_team_id": 5,
    "policy_id": 2,
    "calendar_id": 4,
    "rule_id": 6,
    "interaction_id": 90211,
    "event_id": 55120,
    "subscription_id": 2,
    "sla_event_id": 881,
    "callback_id": 140,
    "replaces_id": 9,
    "actor_key_id": 5,
    "actor_agent_id": 12,
    "actor_customer_id": 318,
    "resource_id": "4711",
    "version": 3,
    "tier": 1,
    "from_tier": 1,
    "to_tier": 2,
    "position": 10,
    "name": "Femke de Vries",
    "email": "femke.devries@example.nl",
    "phone": "+31 30 555 0142",
    "organization": "Bakkerij de Vries BV",
    "account_number": "NL-20931",
    "language": "nl",
    "languages": ["nl", "en"],
    "time_zone": "Europe/Amsterdam",
    "subject": "VPN drops every few minutes",
    "description": "Since this morning the VPN disconnects every five minutes for the whole shop.",
    "body": "Welke versie van de VPN-client gebruikt u? Then we can send the right profile.",
    "author_name": "Sanne Jansen",
    "category": "network/vpn",
    "tags": ["vpn", "shop-utrecht"],
    "product": "Corporate VPN",
    "model_number": "FortiGate 60F",
    "serial_number": "FGT60F-7731",
    "equipment_location": "Utrecht shop, back office",
    "external_id": "zd-88412",
    "priority_reason": "impact=department × urgency=high → high",
    "reason": "needs a network engineer",
    "note": "Call after the 13:00 delivery",
    "comment": "Snel opgelost, dank je wel!",
    "created_at": T0,
    "updated_at": "2026-03-02T10:02:45Z",
    "occurred_at": "2026-03-02T09:31:12Z",
    "at": "2026-03-02T09:31:12Z",
    "first_responded_at": "2026-03-02T09:31:12Z",
    "resolved_at": None,
    "closed_at": None,
    "started_at": T0,
    "stopped_at": None,
    "due_at": "2026-03-02T17:14:07Z",
    "warning_at": "2026-03-02T15:38:07Z",
    "requested_at": "2026-03-03T13:30:00Z",
    "responded_at": "2026-03-04T08:05:00Z",
    "expires_at": "2026-09-01T00:00:00Z",
    "last_used_at": "2026-03-02T09:14:07Z",
    "revoked_at": None,
    "decided_at": "2026-03-02T11:20:00Z",
    "added_at": "2026-03-02T09:40:00Z",
    "current_due_at": "2026-03-02T13:14:07Z",
    "draft_due_at": "2026-03-02T11:14:07Z",
    "share_met": 0.92,
    "cc": ["pieter.bakker@example.nl"],
    "merged_ticket_ids": [4712, 4715],
    "revoked_token_ids": [77, 78],
    "done_at": None,
    "missed_at": None,
    "delivered_at": "2026-03-02T09:14:08Z",
    "last_attempt_at": "2026-03-02T09:14:08Z",
    "next_attempt_at": None,
    "recorded_at": "2026-03-02T15:38:09Z",
    "acknowledged_at": "2026-03-02T09:52:00Z",
    "acknowledgement_due_at": "2026-03-02T10:40:00Z",
    "sent_at": "2026-03-02T09:14:07Z",
    "received_at": "2026-03-02T09:14:09Z",
    "erased_at": "2026-03-09T12:00:00Z",
    "exported_at": "2026-03-09T11:58:00Z",
    "taken_at": "2026-03-02T02:00:04Z",
    "verified_at": "2026-03-02T02:03:41Z",
    "last_seen_at": "2026-03-02T09:14:05Z",
    "next_cursor": "eyJpZCI6NDcwMH0",
    "request_id": "3595fae3a4114c0e87784edd77cf724e",
    "client_address": "192.0.2.44",
    "explanation": "resolution: 8h business target under 'Enterprise' on calendar 'Utrecht "
    "shop', due 2026-03-02T17:14:07Z",
    "target_seconds": 28800,
    "business_seconds_used": 1860,
    "business_seconds_remaining": 26940,
    "percent_used": 6.5,
    "seconds_to_acknowledge": 1800,
    "duration_seconds": None,
    "count": 214,
    "total": 214,
    "value": 0.87,
    "rate": 0.87,
    "of": 246,
    "mean_seconds": 5400.0,
    "median_seconds": 3720.0,
    "p90_seconds": 14400.0,
    "handle_seconds": 40500,
    "handle_seconds_per_resolved": 1350.0,
    "handle_mean_seconds": 1350.0,
    "resolution_mean_seconds": 30240.0,
    "mean": 4.4,
    "score": 9,
    "attempts": 1,
    "last_status_code": 200,
    "last_error": None,
    "hostname": "helpdesk-worker-2",
    "pid": 41,
    "last_cycle_ms": 12.4,
    "fired_total": 18211,
    "fired_last_minute": 14,
    "timers_pending": 1322,
    "timers_overdue": 0,
    "oldest_overdue_seconds": 0,
    "url": "https://hooks.bakkerij-devries.example.nl/helpdesk",
    "prefix": "hd_By80EMi7",
    "secret": "whsec_MfKQ9r8GKYqrTZjUPD7mQ1SVGZGBXT0S",
    "token": "ct_318.1741515600.Q2hhbmdlIG1lIGluIHRoZSBkb2Nz",
    "key": "hd_By80EMi7EAs4--folDD2Oh-LOZ_h6XgBRMlYWurxsJA",
    "message_id": "<hd.4711.90211.p3emfarpozya24ys@helpdesk.example.nl>",
    "in_reply_to": "<CAF=8xq3@mail.example.nl>",
    "references": ["<CAF=8xq3@mail.example.nl>"],
    "reference_token": "[ref:4711.urk5kifftuyknyfz]",
    "sender_email": "femke.devries@example.nl",
    "sender_name": "Femke de Vries",
    "text": "De VPN valt nog steeds weg, ook na de herstart.",
    "quoted": "> Welke versie van de VPN-client gebruikt u?",
    "filename": "vpn-log.txt",
    "content_type": "text/plain",
    "size": 18432,
    "conversation_id": "line-th-88123",
    "file": "helpdesk-20260302T020004Z.dump",
    "bytes": 48_211_968,
    "sha256": "9f2c1e5b7d3a4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6",
    "schema_revision": "0015",
    "rows": 48211,
    "checksum": "4c6e8f0a1b2c3d4e",
    "index": 0,
    "imported": 1,
    "existing": 0,
    "refused": 0,
    "detail": None,
    "category_prefix": "billing",
    "tz": "Europe/Amsterdam",
    "from": "2026-02-01T00:00:00+01:00",
    "to": "2026-03-01T00:00:00+01:00",
    "start": "2026-02-01T00:00:00+01:00",
    "end": "2026-02-02T00:00:00+01:00",
    "warning_percent": 80,
    "capacity": 12,
    "answers": 73,
    "satisfied": 61,
    "satisfied_share": 0.84,
    "promoters": 41,
    "passives": 18,
    "detractors": 9,
    "public_replies": 96,
    "first_contact_resolutions": 22,
    "resolved": 30,
    "created": 246,
    "closed": 198,
    "csat_answers": 25,
    "csat_mean": 4.5,
    "customers": 188,
    "repeat_customers": 17,
    "within_7_days": 21,
    "customer_rate": 0.09,
    "ticket_rate": 0.085,
    "tickets": 21,
    "measured": 230,
    "breached": 12,
    "compliance": 0.948,
    "breaches": 12,
    "closed_without_reply": 3,
    "functional": 14,
    "hierarchical": 4,
    "transfers": 9,
    "deescalations": 2,
    "replies_per_resolution": 2.3,
    "escalation_rate": 0.07,
    "reopen_rate": 0.04,
    "resolution_rate": 0.8,
    "first_contact_resolution": 0.31,
    "csat": 0.84,
    "nps": 47.0,
    "scope": ["email", "own"],
    "fields": ["status", "assignee_id"],
    "ticket_ids": [4711, 4698],
    "recurring": False,
    "date": "2026-04-10",
    "acknowledged_by": "Pieter Bakker",
    "actor_name": "Sanne Jansen",
    "actor_role": "agent",
    "actor_type": "agent",
    "assignment": "round_robin",
    "author_type": "agent",
    "automatic_reason": None,
    "availability": "available",
    "calendar": "Utrecht shop",
    "policy_name": "Enterprise",
    "channel": "phone",
    "direction": "outbound",
    "impact": "department",
    "urgency": "high",
    "priority": "high",
    "interval": "week",
    "metric": "resolution",
    "message": "required when setting the priority by hand",
    "organizations": ["Bakkerij de Vries BV"],
    "pause_statuses": ["pending", "on_hold"],
    "role": "agent",
    "title": "Precondition failed",
    "received_emails": [],
    "interactions_elsewhere": [],
    "erased_tickets": [],
}

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

# A field's example in one schema, where the name alone says too little.
SCHEMA_FIELDS: dict[str, dict[str, Any]] = {
    "CustomerOut": {"id": 318},
    "CustomerRef": {"id": 318},
    "AgentOut": {"name": "Sanne Jansen", "email": "sanne.jansen@desk.example.nl", "id": 12},
    "AgentCreate": {"name": "Sanne Jansen", "email": "sanne.jansen@desk.example.nl"},
    "AgentUpdate": {"name": "Sanne Jansen", "email": "sanne.jansen@desk.example.nl"},
    "AgentFigures": {"name": "Sanne Jansen"},
    "TeamOut": {
        "id": 3,
        "name": "Service desk Utrecht",
        "description": "First line, Dutch and English",
    },
    "TeamUpdate": {"name": "Service desk Utrecht", "description": "First line, Dutch and English"},
    "ApiKeyOut": {"name": "email gateway", "id": 5},
    "ApiKeyCreated": {"name": "email gateway", "id": 5},
    "ApiKeyCreate": {"name": "email gateway"},
    "CalendarOut": {"name": "Athens office", "time_zone": "Europe/Athens", "id": 4},
    "CalendarCreate": {"name": "Athens office", "time_zone": "Europe/Athens"},
    "HolidayIn": {"name": "Orthodox Good Friday"},
    "SlaPolicyOut": {"name": "Enterprise", "id": 2},
    "RoutingRuleOut": {"name": "Dutch billing", "id": 6},
    "RoutingRuleCreate": {"name": "Dutch billing"},
    "RoutingRuleUpdate": {"name": "Dutch billing"},
    "Named": {"name": "network/vpn"},
    "TypeFigures": {"type": "incident"},
    "EscalationOut": {"id": 88, "reason": "needs a network engineer"},
    "DeliveryOut": {"id": 9031},
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
    "EventOut": {"id": 55120},
    "LinkOut": {"id": 31, "kind": "related"},
    "AuditEntryOut": {"id": 120884, "resource": "ticket", "action": "update"},
    "HistoryEntryOut": {
        "id": 20931,
        "action": "updated",
        "field": "status",
        "old_value": "new",
        "new_value": "open",
    },
    "SurveyOut": {"id": 702},
    "WebhookOut": {"id": 2},
    "WebhookCreated": {"id": 2},
    "BackupOut": {"id": 57},
    "ChatMessage": {"id": "msg-1", "body": "สวัสดีค่ะ เครื่องพิมพ์ไม่ทำงานตั้งแต่เช้า"},
    "ChatMessageOut": {"id": "msg-1"},
    "ChatConversation": {"subject": "เครื่องพิมพ์ไม่ทำงาน", "language": "th"},
    "CustomerTokenOut": {"expires_at": "2026-03-02T10:14:07Z"},
    "Health": {"status": "ok"},
    "ProblemField": {"field": "priority_reason"},
    "Problem": {
        "type": "https://helpdesk.dev/problems/precondition-failed",
        "instance": "/v1/tickets/4711",
        "detail": "ticket 4711 is at version 4, not 3",
    },
    "TicketOut": _TICKET,
    "TicketListItem": _TICKET,
    "TicketRouting": {"reason": "routing rule 6 'VPN': category starts with 'network/vpn'"},
    "ExportedTicket": {"sla": None},
    "CallbackOut": {"id": 140, "missed_at": "2026-03-03T14:00:00Z"},
    "Counted": {"value": "vpn", "count": 37},
    "Backlog": {
        "total": 214,
        "by_status": [{"value": "open", "count": 131}, {"value": "pending", "count": 83}],
        "by_priority": [{"value": "high", "count": 40}, {"value": "medium", "count": 174}],
        "by_team": [{"value": "3", "count": 150}, {"value": "5", "count": 64}],
        "by_age": [{"value": "0-1d", "count": 90}, {"value": "1-7d", "count": 124}],
    },
    "Sla": {"breaches": {"first_response": 4, "resolution": 8}},
    "Nps": {"score": 47},
    "InboundEmailOut": {
        "id": 2210,
        "subject": "Re: VPN drops every few minutes [#4711]",
        "attachments": [
            {"filename": "vpn-client.log", "content_type": "text/plain", "size": 18432}
        ],
    },
    "CustomerTokensRevoked": {"revoked_at": "2026-03-02T11:20:00Z"},
    "MetricsSummary": {
        "first_contact_resolution": {"count": 71, "of": 230, "rate": 0.309},
        "resolution_rate": {"count": 198, "of": 246, "rate": 0.805},
        "reopen_rate": {"count": 9, "of": 230, "rate": 0.039},
        "escalation_rate": {"count": 18, "of": 246, "rate": 0.073},
        "callbacks": {"count": 33, "of": 35, "rate": 0.943},
    },
    "NegativeResponses": {
        "csat": {"count": 5, "of": 73, "rate": 0.068},
        "nps": {"count": 9, "of": 68, "rate": 0.132},
    },
    "Bucket": {"value": 0.91},
    "CustomerExport": {"audit": [], "surveys": []},
    "TicketSlaSummary": {"state": "on_track"},
    "ImportItemResult": {"problem": None, "status": 201},
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
    "WorkingHoursIn": {"start": "08:00", "end": "16:00"},
}

PRIORITY_CELLS = {
    "none": {"low": "low", "medium": "low", "high": "low", "critical": "medium"},
    "user": {"low": "low", "medium": "medium", "high": "medium", "critical": "high"},
    "department": {"low": "low", "medium": "medium", "high": "high", "critical": "critical"},
    "organization": {"low": "medium", "medium": "high", "high": "critical", "critical": "critical"},
}
SCHEMA_FIELDS["PriorityMatrixOut"] = {"cells": PRIORITY_CELLS}

ATHENS_HOURS = [{"day": d, "start": "08:00", "end": "16:00"} for d in ("mon", "tue", "wed", "thu")]
ATHENS_HOURS.append({"day": "fri", "start": "08:00", "end": "15:00"})

# Whole examples for schemas whose fields do not tell the story one by one (or that other
# files give a plainer example of).
SCHEMAS: dict[str, Any] = {
    "CustomerCreate": {
        "name": "Femke de Vries",
        "email": "femke.devries@example.nl",
        "phone": "+31 30 555 0142",
        "organization": "Bakkerij de Vries BV",
        "account_number": "NL-20931",
        "language": "nl",
        "time_zone": "Europe/Amsterdam",
    },
    "CustomerUpdate": {"phone": "+31 6 5555 0142", "organization": "Bakkerij de Vries & Zn BV"},
    "CalendarCreate": {
        "name": "Athens office",
        "time_zone": "Europe/Athens",
        "hours": ATHENS_HOURS,
        "holidays": [
            {"date": "2026-01-06", "name": "Epiphany", "recurring": True},
            {"date": "2026-03-25", "name": "Independence Day", "recurring": True},
            {"date": "2026-04-10", "name": "Orthodox Good Friday", "recurring": False},
            {"date": "2026-04-13", "name": "Orthodox Easter Monday", "recurring": False},
            {"date": "2026-10-28", "name": "Ochi Day", "recurring": True},
        ],
    },
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
    "AgentUpdate": {"availability": "away", "capacity": 8},
    "TeamUpdate": {"supervisor_id": 7, "assignment": "least_open"},
    "RoutingRuleUpdate": {"position": 5, "active": True},
    "ApiKeyRotate": {"expires_at": "2026-09-01T00:00:00Z"},
    "NpsAnswer": {"kind": "nps", "score": 9, "comment": "Snel opgelost, dank je wel!"},
    "TicketImportBatch": {
        "items": [
            {
                "source": "zendesk",
                "external_id": "ZD-90412",
                "subject": "เครื่องพิมพ์ชั้น 2 กระดาษติด",
                "language": "th",
                "channel": "email",
                "customer": {"name": "สมชาย ใจดี", "email": "somchai@example.co.th"},
                "created_at": "2026-02-20T02:15:00Z",
                "status_changes": [{"at": "2026-02-20T04:00:00Z", "status": "resolved"}],
            }
        ]
    },
    "TicketImport": {
        "source": "zendesk",
        "external_id": "ZD-90411",
        "subject": "เครื่องพิมพ์ชั้น 2 กระดาษติดทุกหน้า",
        "language": "th",
        "channel": "email",
        "customer": {"name": "สมชาย ใจดี", "email": "somchai@example.co.th"},
        "created_at": "2026-02-19T03:12:00Z",
        "status_changes": [
            {"at": "2026-02-19T03:40:00Z", "status": "open"},
            {"at": "2026-02-20T09:05:00Z", "status": "resolved"},
        ],
        "interactions": [
            {
                "kind": "email",
                "direction": "inbound",
                "author_type": "customer",
                "body": "เครื่องพิมพ์กระดาษติดทุกหน้าค่ะ",
                "occurred_at": "2026-02-19T03:12:00Z",
                "external_id": "zd-comment-1",
            },
            {
                "kind": "email",
                "direction": "outbound",
                "author_type": "agent",
                "author_name": "Niran",
                "body": "ช่างจะเปลี่ยนชุดดึงกระดาษให้พรุ่งนี้ครับ",
                "occurred_at": "2026-02-19T03:40:00Z",
            },
        ],
    },
    "ChatConversation": {
        "conversation_id": "line-th-88123",
        "customer": {"name": "Malee Srisuk", "email": "malee@example.co.th"},
        "subject": "เครื่องพิมพ์ไม่ทำงาน",
        "language": "th",
        "messages": [
            {
                "id": "msg-1",
                "sent_at": "2026-03-02T02:10:00Z",
                "author": "customer",
                "body": "สวัสดีค่ะ เครื่องพิมพ์ไม่ทำงานตั้งแต่เช้า",
            },
            {
                "id": "msg-2",
                "sent_at": "2026-03-02T02:12:30Z",
                "author": "agent",
                "author_name": "Niran",
                "body": "รับทราบครับ ขอหมายเลขเครื่องด้วยครับ",
            },
        ],
    },
    "Health": {"status": "ok", "detail": None},
    "TicketSlaOut": TICKET_SLA,
    "TicketSlaDetail": {
        **TICKET_SLA,
        "ticket_id": 4711,
        "pauses": [{"status": "pending", "start": "2026-03-02T10:05:00Z", "end": None}],
    },
    "ImportedInteraction": {
        "kind": "call",
        "direction": "inbound",
        "author_type": "customer",
        "body": "Customer called: the printer on floor 2 jams again.",
        "occurred_at": "2026-02-19T07:02:00Z",
        "duration_seconds": 240,
        "external_id": "zd-call-77",
    },
}

# Request bodies that are not one schema (a choice of two, an optional body).
REQUESTS: dict[str, Any] = {
    "attachments_create": "(the file's bytes, e.g. a PNG screenshot)",
    "inbound_held_accept": {"into": "ticket"},
    "surveys_create": {"kind": "csat", "score": 5, "comment": "Snel opgelost, dank je wel!"},
    "api_keys_rotate": {"expires_at": "2026-09-01T00:00:00Z"},
    "inbound_email_receive": (
        "From: Femke de Vries <femke.devries@example.nl>\r\n"
        "To: support@desk.example.nl\r\n"
        "Subject: Re: VPN drops every few minutes [#4711]\r\n"
        "Message-ID: <CAF=8xq3@mail.example.nl>\r\n"
        "In-Reply-To: <hd.4711.90211.p3emfarpozya24ys@helpdesk.example.nl>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "De VPN valt nog steeds weg, ook na de herstart.\r\n\r\n"
        "> Welke versie van de VPN-client gebruikt u?\r\n"
    ),
}

# Responses that are not JSON.
RESPONSES: dict[str, Any] = {
    "events_stream": (
        "retry: 3000\n\n"
        "id: ZXZlbnRzLWZlZWQ6MTIzNDU2OjU1MTIw\n"
        "event: interaction.added\n"
        'data: {"id": 55120, "type": "interaction.added", "ticket_id": 4711, '
        '"occurred_at": "2026-03-02T09:31:12Z", "data": {"ticket_id": 4711, "kind": "email", '
        '"direction": "outbound", "public": true, "author_type": "agent"}}\n\n'
        ": heartbeat\n\n"
    ),
    "prometheus_metrics": (
        "# HELP helpdesk_open_tickets Open tickets\n# TYPE helpdesk_open_tickets gauge\n"
        'helpdesk_open_tickets{priority="high",status="open",team="3"} 17\n'
    ),
    "exports_tickets": (
        '{"id": 4711, "status": "open", "priority": "high", "channel": "phone", '
        '"team_id": 3, "created_at": "2026-03-02T09:14:07Z"}\n'
    ),
}

# The knowledge base's and quality assurance's text lives beside this module.
SUMMARIES.update(kb_qa.SUMMARIES)
SCHEMA_FIELDS.update(kb_qa.SCHEMA_FIELDS)
SCHEMAS.update(kb_qa.SCHEMAS)
# The audit report's likewise.
SUMMARIES.update(reports.SUMMARIES)
SCHEMAS.update(reports.SCHEMAS)


_JSON_TYPES = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}


def _fits(field: dict[str, Any], value: Any) -> bool:
    """Whether `value` can stand for `field` by its type and allowed values (a rough check,
    enough to keep a name's example out of a field of another kind)."""
    if "enum" in field:
        return value in field["enum"]
    if "const" in field:
        return bool(value == field["const"])
    if "$ref" in field:
        return isinstance(value, dict | list)
    choices = field.get("anyOf") or field.get("oneOf")
    if choices:
        return any(_fits(c, value) for c in choices)
    kind = field.get("type")
    if kind is None:
        return True
    if kind == "null":
        return value is None
    if kind == "array" and isinstance(value, list) and isinstance(field.get("items"), dict):
        return all(_fits(field["items"], v) for v in value)
    if isinstance(value, bool) and kind != "boolean":
        return False
    if isinstance(value, int | float) and not (
        field.get("minimum", value) <= value <= field.get("maximum", value)
    ):
        return False
    return isinstance(value, _JSON_TYPES.get(str(kind), object))


# Schemas nested deeper than the reference expands examples: their example is composed from
# their fields' once, so wherever they appear they are shown whole.
COMPOSED = ("CalendarOut", "SlaPolicyOut", "TicketSlaOut", "TicketOut", "ExportedTicket")


def _media(operation: dict[str, Any], code: str | None) -> dict[str, Any] | None:
    """The media type object of a request body (code None) or of a response."""
    if code is None:
        content = operation.get("requestBody", {}).get("content", {})
    else:
        content = operation.get("responses", {}).get(code, {}).get("content", {})
    return next(iter(content.values()), None) if content else None


def annotate(spec: Spec) -> Spec:
    """`spec` with the summaries, examples and field descriptions of this module written in
    (in place, and returned)."""
    describe(spec)
    schemas = spec.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        for field_name, field in schema.get("properties", {}).items():
            if "examples" in field or "example" in field:
                continue
            own = SCHEMA_FIELDS.get(name, {})
            value = own.get(field_name, FIELDS.get(field_name, ...))
            if field_name in own or (value is not ... and _fits(field, value)):
                field["examples"] = [value]
        if name in SCHEMAS:
            schema["examples"] = [SCHEMAS[name]]
    for name in COMPOSED:
        if name in schemas and "examples" not in schemas[name]:
            schemas[name]["examples"] = [_example(spec, schemas[name])]
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            op_id = operation.get("operationId")
            if op_id in SUMMARIES:
                operation["summary"] = SUMMARIES[op_id]
            request = _media(operation, None)
            if request is not None and op_id in REQUESTS:
                request["example"] = REQUESTS[op_id]
            if op_id in RESPONSES:
                for code, response in operation.get("responses", {}).items():
                    if code.startswith("2"):
                        for media in response.get("content", {}).values():
                            media["example"] = RESPONSES[op_id]
    return spec


# What a field means, by its name, wherever the schema left it undescribed (a schema's own
# description always wins; SCHEMA_DESCRIPTIONS says it for one schema where the name is not enough).
DESCRIPTIONS: dict[str, str] = {
    "id": "The record's id.",
    "ticket_id": "The ticket it belongs to.",
    "customer_id": "The customer's id.",
    "team_id": "The team's id.",
    "agent_id": "The agent's id.",
    "assignee_id": "The agent it is assigned to; null when nobody is.",
    "policy_id": "The SLA policy that set the clocks.",
    "callback_id": "The promised call-back this reminder is about.",
    "subscription_id": "The webhook subscription.",
    "event_id": "The event delivered (also in the `webhook-id` header: `evt_<id>`).",
    "interaction_id": "The interaction that made this change, if one did.",
    "supervisor_id": "The agent hierarchical escalations of this team go to.",
    "version": "Changes with every write; send it back as `If-Match` to change the record.",
    "created_at": "When it was created.",
    "updated_at": "When it last changed.",
    "name": "Its name, as people read it.",
    "email": "Email address.",
    "phone": "Phone number, as dialled (international form is best).",
    "organization": "The organisation the customer belongs to (SLA policies and routing "
    "rules may match on it).",
    "account_number": "The customer's account number in your own systems.",
    "language": "BCP 47 language tag (`nl`, `nl-BE`, `th`); steers routing, assignment and "
    "search stemming.",
    "languages": "BCP 47 language tags the agent speaks.",
    "time_zone": "IANA time zone (`Europe/Athens`).",
    "tier": "Support tier: 1 is the first line; escalations go up.",
    "description": "Free text describing it.",
    "active": "Whether it is in use; inactive ones are kept but not applied.",
    "role": "What the key or agent may do: admin, supervisor, agent, integration or viewer.",
    "availability": "`available` or `away`: away agents get no new tickets.",
    "assignment": "How new tickets are assigned inside the team: `none`, `round_robin` or "
    "`least_open`.",
    "kind": "What sort of record it is.",
    "direction": "`inbound` (from the customer), `outbound` (to the customer) or `internal`.",
    "public": "Whether the customer sees it (portal, exports of their data).",
    "author_type": "Who wrote it: an agent, the customer or the system.",
    "author_id": "The agent's or customer's id.",
    "author_name": "The author's name as shown.",
    "body": "The text.",
    "occurred_at": "When it happened (defaults to when it was logged).",
    "duration_seconds": "How long a call or call-back lasted.",
    "external_id": "The id a gateway or another system gave it: sending it again returns the "
    "existing record instead of a duplicate.",
    "status": "Where it stands.",
    "priority": "`low`, `medium`, `high` or `critical`.",
    "priorities": "Priorities it applies to (any when empty).",
    "channel": "How it reached the desk: phone, email, chat, portal, …",
    "channels": "Channels it applies to (any when empty).",
    "types": "Ticket types it applies to (any when empty).",
    "organizations": "Customer organisations it applies to (any when empty).",
    "team_ids": "Teams it applies to (any when empty).",
    "subject": "One line saying what it is about.",
    "due_at": "When the clock runs out.",
    "warning_at": "When the warning is raised (the policy's warning percentage of the target).",
    "started_at": "When it started.",
    "stopped_at": "When it stopped (met); null while it runs.",
    "recorded_at": "When the worker recorded it.",
    "done_at": "When it was done; null while it is open.",
    "requested_at": "When the customer wants to be called.",
    "note": "A note for the agent.",
    "reason": "Why, in a sentence people read.",
    "metric": "Which SLA clock: `first_response`, `next_update` or `resolution`.",
    "state": "`on_track`, `warning`, `breached`, `met`, `paused` or `not_applicable`.",
    "explanation": "How the due time was worked out: target, policy, calendar, pauses.",
    "business_seconds_used": "Business time the clock has used (pauses and closed hours left out).",
    "business_seconds_remaining": "Business time left before the clock runs out.",
    "percent_used": "Share of the target used, in percent.",
    "target_seconds": "The target, in business seconds.",
    "policy_name": "The SLA policy's name.",
    "calendar": "The business calendar's name.",
    "first_response": "The first-response clock (or figures).",
    "next_update": "The next-update (periodic follow-up) clock.",
    "resolution": "The resolution clock (or figures).",
    "pauses": "When the clocks were paused (the ticket waited on the customer, on hold).",
    "start": "Start of the interval.",
    "end": "End of the interval (exclusive); null while it lasts.",
    "day": "Day of the week (`mon` … `sun`).",
    "date": "The day (`YYYY-MM-DD`).",
    "hours": "Weekly working hours, in the calendar's time zone.",
    "holidays": "Days with no working hours.",
    "conditions": "What a ticket must match for this to apply (all of them).",
    "calendar_id": "The business calendar its targets count in.",
    "pause_statuses": "Ticket statuses that pause the clocks.",
    "warning_percent": "At this share of a target used, a warning is raised.",
    "targets": "Targets per priority.",
    "first_response_minutes": "First-response target, in business minutes.",
    "resolution_minutes": "Resolution target, in business minutes.",
    "is_default": "The seeded policy that applies when no other does.",
    "position": "Order in which they are tried (lowest first).",
    "cells": "impact → urgency → priority.",
    "rules": "Rules in order: the first that applies decides.",
    "on": "`warning` or `breach`.",
    "trigger": "What set it off: `manual`, `sla_warning`, `sla_breach`, `rule` or "
    "`acknowledgement_overdue`.",
    "from_team_id": "The team it came from.",
    "to_team_id": "The team it went to.",
    "from_tier": "The tier it came from.",
    "to_tier": "The tier it went to.",
    "actor_name": "Who did it, as shown.",
    "actor_type": "Who did it: an agent, a key, a customer or the system.",
    "acknowledged_at": "When the receiving side acknowledged it; null until then.",
    "acknowledged_by": "Who acknowledged it.",
    "seconds_to_acknowledge": "Seconds from escalation to acknowledgement.",
    "at": "When it happened.",
    "field": "The field that changed.",
    "old_value": "Its value before.",
    "new_value": "Its value after.",
    "type": "Its type.",
    "data": "The event's content.",
    "url": "The http(s) endpoint events are POSTed to.",
    "event_types": "The event types it receives.",
    "event_type": "The event's type.",
    "secret": "The `whsec_` signing secret.",
    "attempts": "Attempts made so far.",
    "next_attempt_at": "When the next attempt is due; null when none is.",
    "last_attempt_at": "When the last attempt was made.",
    "last_status_code": "The receiver's HTTP status at the last attempt; null without an answer.",
    "last_error": "Why the last attempt failed; null when it did not.",
    "delivered_at": "When the receiver accepted it.",
    "score": "The score given.",
    "comment": "What the customer wrote with it.",
    "responded_at": "When the customer answered.",
    "hostname": "The host the worker runs on.",
    "pid": "The worker's process id.",
    "last_cycle_ms": "How long its last pass took, in milliseconds.",
    "fired_total": "Timers it fired since it started.",
    "fired_last_minute": "Timers it fired in the last minute.",
    "timers_pending": "Timers not yet fired.",
    "cursor": "`next_cursor` of the previous page.",
    "limit": "Page size.",
    "items": "The records of this page (or this answer).",
    "next_cursor": "Pass as `cursor` for the next page; null when there is none.",
    "title": "A short, fixed summary of the problem's type.",
    "message": "What is wrong with the field.",
    "errors": "Each field at fault, for validation problems.",
    "detail": "More about the state, when there is something to say.",
    "period": "The period the figures are of.",
    "from_": "Start of the period (inclusive).",
    "from": "Start of the period (inclusive).",
    "to": "End of the period (exclusive).",
    "tz": "The IANA time zone days and bounds are taken in.",
    "interval": "`day`, `week` (ISO) or `month`.",
    "buckets": "One figure per interval.",
    "count": "How many.",
    "of": "Out of how many.",
    "measured": "Clocks measured in the period.",
    "breached": "Of them, breached.",
    "compliance": "Share met (measured − breached) / measured.",
    "answers": "Answers received.",
    "satisfied": "Answers of 4 or 5.",
    "satisfied_share": "Satisfied answers / answers.",
    "mean": "Mean score.",
    "promoters": "Answers of 9 or 10.",
    "passives": "Answers of 7 or 8.",
    "detractors": "Answers of 0 to 6.",
    "created": "Tickets created.",
    "resolved": "Tickets resolved.",
    "closed": "Tickets closed.",
    "total": "All of them.",
    "by_status": "Counted by status.",
    "by_priority": "Counted by priority.",
    "by_team": "Counted by team (its id).",
    "by_age": "Counted by age.",
    "categories": "Most frequent categories.",
    "tags": "Labels.",
    "functional": "Functional escalations (up a tier).",
    "hierarchical": "Hierarchical escalations (to a supervisor).",
    "transfers": "Transfers within a tier.",
    "deescalations": "Moves back down a tier.",
    "customers": "Customers with a ticket in the period.",
    "repeat_customers": "Of them, customers with more than one.",
    "customer_rate": "Repeat customers / customers.",
    "tickets": "Tickets.",
    "within_7_days": "Tickets opened within 7 days of the same customer's previous one.",
    "ticket_rate": "Repeat tickets / tickets.",
    "public_replies": "Public replies written.",
    "handle_seconds": "Time logged on calls and call-backs.",
    "handle_seconds_per_resolved": "Handle time per resolved ticket.",
    "handle_mean_seconds": "Mean handle time.",
    "resolution_mean_seconds": "Mean time to resolution.",
    "first_contact_resolutions": "Tickets resolved with one public reply and no escalation.",
    "csat_mean": "Mean CSAT score.",
    "csat_answers": "CSAT answers.",
    "closed_without_reply": "Tickets closed before any first response.",
    "index": "The item's position in the request.",
    "imported": "Items imported now.",
    "existing": "Items imported before (returned as they were).",
    "refused": "Items refused (each with its problem).",
    "interactions": "Its interactions, in time order.",
    "customer": "The customer, found by email or created.",
    "priority_reason": "Why the priority is what it is.",
    "impact": "How widely it hurts: `none`, `user`, `department`, `organization`.",
    "urgency": "How soon it hurts: `low`, `medium`, `high`, `critical`.",
    "category": "Slash-separated category (`network/vpn`).",
    "product": "The product concerned.",
    "model_number": "The model concerned.",
    "serial_number": "The serial number concerned.",
    "equipment_location": "Where the equipment is.",
    "capacity": "Open tickets the agent may hold at most; null: no limit.",
    "revoked_at": "When the key was revoked; null while it works.",
    "expires_at": "When it stops working; null: never.",
    "scope": "What an integration key may see: channels and/or `own` (the tickets it made).",
    "filename": "The attachment's file name.",
    "content_type": "The attachment's media type.",
    "actor_key_id": "The API key that acted.",
    "actor_agent_id": "The agent the key belongs to.",
    "actor_customer_id": "The customer who acted with a portal token.",
    "actor_role": "The role the actor acted in.",
    "action": "What was done.",
    "request_id": "The request's X-Request-ID (also in the logs).",
    "client_address": "The client's address, as the server saw it.",
    "taken_at": "When the backup was taken.",
    "bytes": "The backup file's size.",
    "sha256": "The backup file's SHA-256.",
    "schema_revision": "The schema's migration revision at the time.",
    "tables": "Each table with its row count and checksum.",
    "verified_at": "When a restore of it was checked; null: never.",
    "rows": "Rows in the table.",
    "messages": "The conversation's messages.",
    "author": "`customer` or `agent`.",
    "ticket_created": "Whether this call opened the ticket.",
    "exported_at": "When the export was made.",
    "erased_tickets": "Tickets of the customer erased before.",
    "token": "The portal token: the customer sends it as `Authorization: Bearer`.",
    "erased_at": "When the personal data was erased.",
    "ticket": "The ticket.",
    "callbacks": "Its promised call-backs.",
    "history": "Its history lines.",
    "sender_email": "The sender's address.",
    "sender_name": "The sender's display name.",
    "attachments": "Attachments, listed by name, type and size (their content is not kept).",
    "received_at": "When the desk received it.",
    "linked_ticket_id": "The ticket at the other end of the link.",
    "in_reply_to": "The Message-ID the reply answers.",
    "references": "The thread's Message-IDs, oldest first.",
    "priority_overridden": "Whether an agent set the priority by hand.",
    "first_responded_at": "When the first public agent reply (or call to the customer) came; null: none yet.",
    "resolved_at": "When it was resolved; null while it is not.",
    "closed_at": "When it was closed; null while it is not.",
    "reopen_count": "How often it was reopened.",
    "agent_reply_count": "Public agent replies.",
    "customer_reply_count": "Customer messages.",
    "interaction_count": "All interactions logged.",
    "sla": "Its SLA clocks.",
    "tag": "Only tickets with this tag.",
    "created_after": "Only tickets created at or after this instant.",
    "created_before": "Only tickets created before this instant.",
    "sla_state": "Only tickets whose nearest SLA clock is in this state.",
    "due_before": "Only reminders due before this instant.",
    "resource": "Only entries about this kind of record.",
    "resource_id": "Only entries about this record.",
    "acknowledged": "Only escalations acknowledged (true) or waiting (false).",
    "key_id": "The API key's id.",
    "reminder_id": "The reminder's id.",
    "escalation_id": "The escalation's id.",
    "rule_id": "The routing rule's id.",
    "webhook_id": "The webhook subscription's id.",
    "added_at": "When they were added.",
    "due_moves": "The due times the draft moves, largest shifts first.",
    "merged_ticket_ids": "The tickets merged into this one by this call (now closed).",
    "met": "Clocks stopped within their target.",
    "current_due_at": "The due time under the policies as they are.",
    "draft_due_at": "The due time under the draft.",
    "next_update_reminders": "Follow-up reminders before the next-update deadline.",
    "attachment_id": "The attachment's id (from an interaction's `attachments`).",
    "token_id": "The portal token's id (the second part of the token).",
    "email_id": "The held message's id (from the held list).",
    "revoked_token_ids": "The tokens this call revoked (those revoked before are not listed).",
    "delivery_id": "The delivery's id.",
}

SCHEMA_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "CustomerAttachmentOut": {"size": "Bytes."},
    "SlaEventOut": {"kind": "`warning` or `breach`."},
    "ReminderOut": {"kind": "`follow_up`, `callback` or `escalation_ack`."},
    "EscalationOut": {"kind": "`functional`, `hierarchical` or `transfer`."},
    "EventOut": {"type": "The event's type (`ticket.created`, …).", "id": "The event's id."},
    "InteractionOut": {"kind": "call, email, chat, note, callback or sms."},
    "InteractionCreate": {"kind": "call, email, chat, note, callback or sms."},
    "ImportedInteraction": {"kind": "call, email, chat, note, callback or sms."},
    "CsatAnswer": {"kind": "`csat`.", "score": "1 (very unhappy) to 5 (very happy)."},
    "NpsAnswer": {"kind": "`nps`.", "score": "0 to 10: how likely they recommend you."},
    "SurveyOut": {"kind": "`csat` or `nps`."},
    "Nps": {"score": "% promoters − % detractors (−100 to 100)."},
    "Named": {"name": "The category or tag."},
    "TypeFigures": {"type": "The ticket type."},
    "Health": {"status": "`ok`, or what is wrong."},
    "Problem": {"status": "The HTTP status."},
    "SlaMetricOut": {"metric": "Which clock it is."},
    "Timeseries": {"metric": "The KPI shown."},
    "MetricsSummary": {
        "volume": "Tickets created, resolved and closed in the period.",
        "backlog": "Tickets open at the end of the period.",
        "requester_wait": "Time the customer waited on the desk (pauses left out).",
        "first_contact_resolution": "Resolved with one public reply and no escalation.",
        "resolution_rate": "Resolved / created.",
        "reopen_rate": "Reopened / resolved.",
        "escalation_rate": "Escalated / created.",
        "moves": "Escalations and transfers made, by kind.",
        "replies_per_resolution": "Public agent replies per resolved ticket.",
        "sla": "SLA compliance and breaches.",
        "csat": "Customer satisfaction (1–5).",
        "nps": "Net promoter score (0–10 answers).",
        "negative_responses": "Low CSAT (1–2) and NPS detractor answers.",
        "repeat_contacts": "Customers coming back with a new ticket.",
        "callbacks": "Promised call-backs kept in time.",
        "top_issues": "Most frequent categories and tags.",
        "by_type": "Figures per ticket type.",
    },
    "Sla": {"first_response": "First-response clocks.", "resolution": "Resolution clocks."},
    "NegativeResponses": {"csat": "CSAT answers of 1 or 2.", "nps": "NPS answers of 0 to 6."},
    "AgentMetrics": {"items": "One row per agent."},
}

# --- the knowledge base and quality assurance --------------------------------------------------


DESCRIPTIONS.update(kb_qa.DESCRIPTIONS)
SCHEMA_DESCRIPTIONS.update(kb_qa.SCHEMA_DESCRIPTIONS)
DESCRIPTIONS.update(reports.DESCRIPTIONS)
SCHEMA_DESCRIPTIONS.update(reports.SCHEMA_DESCRIPTIONS)


def describe(spec: Spec) -> None:
    """Fill the description of every field (and query parameter) the code left without one."""
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        own = SCHEMA_DESCRIPTIONS.get(name, {})
        for field_name, field in schema.get("properties", {}).items():
            text = own.get(field_name) or DESCRIPTIONS.get(field_name)
            if text and not field.get("description"):
                field["description"] = text
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                text = DESCRIPTIONS.get(str(parameter.get("name")))
                if text and not parameter.get("description"):
                    parameter["description"] = text
