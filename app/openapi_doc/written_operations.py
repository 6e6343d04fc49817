"""The API reference's written text for running and watching the desk (health, backups, the audit
log, metrics) and the problems every operation answers with: summaries, realistic examples and
field descriptions, merged into app/openapi_doc/written.py's tables."""

from typing import Any

# A summary for every operation.
SUMMARIES: dict[str, str] = {
    "healthz": "Is the process alive?",
    "readyz": "Can it serve: database reachable, schema current?",
    "audit_log_list": "Read the audit log",
    "backups_last": "See the last backup and whether it was verified",
    "metrics_summary": "Every KPI of a period",
    "metrics_timeseries": "One KPI per day, week or month",
    "metrics_agents": "Figures per agent",
    "prometheus_metrics": "Prometheus metrics",
}

# A field's example in one schema, where the name alone says too little.
SCHEMA_FIELDS: dict[str, dict[str, Any]] = {
    "AgentFigures": {"name": "Sanne Jansen"},
    "Named": {"name": "network/vpn"},
    "TypeFigures": {"type": "incident"},
    "BackupOut": {"id": 57},
    "Health": {"status": "ok"},
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
    "Problem": {
        "type": "https://helpdesk.dev/problems/precondition-failed",
        "instance": "/v1/tickets/4711",
        "detail": "ticket 4711 is at version 4, not 3",
    },
    "ProblemField": {"field": "priority_reason"},
    "AuditEntryOut": {"id": 120884, "resource": "ticket", "action": "update"},
}

# Whole examples for schemas whose fields do not tell the story one by one (or that other
# files give a plainer example of).
SCHEMAS: dict[str, Any] = {
    "Health": {"status": "ok", "detail": None},
}

# Responses that are not JSON.
RESPONSES: dict[str, Any] = {
    "prometheus_metrics": "# HELP helpdesk_open_tickets Open tickets\n# TYPE helpdesk_open_tickets gauge\n"
    'helpdesk_open_tickets{priority="high",status="open",team="3"} 17\n',
}

# What a field means in one schema, where its name is not enough.
SCHEMA_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Nps": {"score": "% promoters − % detractors (−100 to 100)."},
    "Named": {"name": "The category or tag."},
    "TypeFigures": {"type": "The ticket type."},
    "Health": {"status": "`ok`, or what is wrong."},
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
    "Problem": {"status": "The HTTP status."},
}
