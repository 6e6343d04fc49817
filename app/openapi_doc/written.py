"""What the API reference says in people's words: a summary for every operation, and realistic
examples (a Dutch customer, a Greek calendar, a Thai ticket) for request bodies and for the fields
the responses are made of. `annotate` writes them into the OpenAPI document the app serves."""

from typing import Any

from app.openapi_doc.examples import _example

Spec = dict[str, Any]

SUMMARIES = {
    "healthz": "Is the process alive?",
    "readyz": "Can it serve: database reachable, schema current?",
    "tickets_create": "Open a ticket",
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
    "InteractionOut": {"id": 90211, "kind": "email"},
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
    "InboundEmailOut": {"id": 2210, "subject": "Re: VPN drops every few minutes [#4711]"},
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
    "prometheus_metrics": (
        "# HELP helpdesk_open_tickets Open tickets\n# TYPE helpdesk_open_tickets gauge\n"
        'helpdesk_open_tickets{priority="high",status="open",team="3"} 17\n'
    ),
    "exports_tickets": (
        '{"id": 4711, "status": "open", "priority": "high", "channel": "phone", '
        '"team_id": 3, "created_at": "2026-03-02T09:14:07Z"}\n'
    ),
}

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
    """`spec` with the summaries and examples above written in (in place, and returned)."""
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
