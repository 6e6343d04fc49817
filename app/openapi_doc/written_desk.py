"""The API reference's written text for the desk's own records and rules (customers and their
tokens, teams, agents, API keys, routing rules, calendars, SLA policies, the priority matrix):
summaries, realistic examples (a Dutch customer, a Greek calendar) and field descriptions, merged
into app/openapi_doc/written.py's tables."""

from typing import Any

PRIORITY_CELLS = {
    "none": {"low": "low", "medium": "low", "high": "low", "critical": "medium"},
    "user": {"low": "low", "medium": "medium", "high": "medium", "critical": "high"},
    "department": {"low": "low", "medium": "medium", "high": "high", "critical": "critical"},
    "organization": {"low": "medium", "medium": "high", "high": "critical", "critical": "critical"},
}

ATHENS_HOURS = [{"day": d, "start": "08:00", "end": "16:00"} for d in ("mon", "tue", "wed", "thu")]
ATHENS_HOURS.append({"day": "fri", "start": "08:00", "end": "15:00"})


# A summary for every operation.
SUMMARIES: dict[str, str] = {
    "sla_policies_what_if": "Replay a period under a draft SLA policy or calendar (read-only)",
    "customers_create": "Add a customer",
    "customers_list": "List customers",
    "customers_get": "Read one customer",
    "customers_update": "Change a customer's details",
    "teams_create": "Add a team",
    "customer_tokens_revoke": "Revoke one of a customer's portal tokens, at once everywhere",
    "customer_tokens_revoke_all": "Revoke every portal token of a customer",
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
    "customers_export": "Export everything held about a customer",
    "customers_erase": "Erase a customer's personal data",
    "routing_rules_create": "Add a routing rule",
    "routing_rules_list": "List routing rules in the order they are tried",
    "routing_rules_get": "Read one routing rule",
    "routing_rules_update": "Change a routing rule",
    "routing_rules_delete": "Delete a routing rule",
}

# A field's example in one schema, where the name alone says too little.
SCHEMA_FIELDS: dict[str, dict[str, Any]] = {
    "CustomerOut": {"id": 318},
    "AgentOut": {"name": "Sanne Jansen", "email": "sanne.jansen@desk.example.nl", "id": 12},
    "AgentCreate": {"name": "Sanne Jansen", "email": "sanne.jansen@desk.example.nl"},
    "AgentUpdate": {"name": "Sanne Jansen", "email": "sanne.jansen@desk.example.nl"},
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
    "CustomerTokenOut": {"expires_at": "2026-03-02T10:14:07Z"},
    "ExportedTicket": {"sla": None},
    "CustomerTokensRevoked": {"revoked_at": "2026-03-02T11:20:00Z"},
    "CustomerExport": {"audit": [], "surveys": []},
    "WorkingHoursIn": {"start": "08:00", "end": "16:00"},
    "PriorityMatrixOut": {"cells": PRIORITY_CELLS},
}

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
    "AgentUpdate": {"availability": "away", "capacity": 8},
    "TeamUpdate": {"supervisor_id": 7, "assignment": "least_open"},
    "RoutingRuleUpdate": {"position": 5, "active": True},
    "ApiKeyRotate": {"expires_at": "2026-09-01T00:00:00Z"},
}

# Request bodies that are not one schema (a choice of two, an optional body).
REQUESTS: dict[str, Any] = {
    "api_keys_rotate": {"expires_at": "2026-09-01T00:00:00Z"},
}
