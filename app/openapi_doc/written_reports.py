"""The API reference's written text for the help-desk audit report: summaries, a realistic
February report of a small desk, and field descriptions, merged into app/openapi_doc/written.py's
tables."""

from typing import Any

SUMMARIES: dict[str, str] = {
    "reports_audit": "The help-desk audit of a period, as JSON or a Markdown document",
    "reports_audit_finding_rows": "List the rows behind one finding of the audit",
    "reports_audit_create": "Keep an audit report: the worker builds it",
    "reports_audit_list": "List the kept audit reports, newest first",
    "reports_audit_get": "Read a kept audit report, as JSON or a Markdown document",
}

_PERIOD = {"from": "2026-02-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}
_QUERY = "from=2026-02-01T00%3A00%3A00%2B00%3A00&to=2026-03-01T00%3A00%3A00%2B00%3A00"

FINDING = {
    "id": "service.sla.first_response",
    "section": "service",
    "title": "First responses within target",
    "severity": "fail",
    "verdict": "fail",
    "sentence": "First responses within target: 86.2 % (362 of 420); expected ≥ 90.0 % — fails.",
    "figure": 0.8619,
    "threshold": 0.9,
    "better": "higher",
    "count": 58,
    "of": 420,
    "previous": 0.9132,
    "worse": True,
    "drill_down": f"/v1/reports/audit/findings/service.sla.first_response/rows?{_QUERY}",
}
FINDING_SUPERVISORS = {
    "id": "process.supervisors",
    "section": "process",
    "title": "Teams without an active supervisor",
    "severity": "info",
    "verdict": "pass",
    "sentence": "Teams without an active supervisor: 0; expected ≤ 0 — passes.",
    "figure": 0.0,
    "threshold": 0.0,
    "better": "lower",
    "count": 0,
    "of": None,
    "previous": None,
    "worse": False,
    "drill_down": f"/v1/reports/audit/findings/process.supervisors/rows?{_QUERY}",
}

REPORT = {
    "period": _PERIOD,
    "previous_period": {
        "from": "2026-01-01T00:00:00Z",
        "to": "2026-02-01T00:00:00Z",
        "source": "stored report 11",
    },
    "team_ids": None,
    "generated_at": "2026-03-01T06:00:04Z",
    "empty": False,
    "summary": "420 tickets were created in this period. 2 findings fail, 4 warn, 25 are for "
    "information.",
    "findings": [FINDING, FINDING_SUPERVISORS],
    "tables": {
        "service": {
            "SLA compliance per priority": [
                {
                    "priority": "high",
                    "tickets": 61,
                    "first_response": 0.8197,
                    "next_update": 0.9344,
                    "resolution": 0.8852,
                }
            ],
            "Backlog by age": [{"age": "1-3d", "tickets": 12}, {"age": ">7d", "tickets": 4}],
        },
        "cost": {
            "Cost per channel": [
                {"channel": "phone", "tickets": 180, "cost": 4860.0, "per_ticket": 27.0}
            ]
        },
    },
    "not_measured": [
        [
            "Survey response rate",
            "surveys sent are not recorded: the report gives answers per resolved ticket instead",
        ]
    ],
}

STORED = {
    "id": 12,
    "status": "ready",
    "origin": "schedule",
    "period": _PERIOD,
    "team_ids": None,
    "requested_at": "2026-03-01T00:00:00Z",
    "built_at": "2026-03-01T00:00:07Z",
    "report": REPORT,
}

# The Markdown document (the routes' text/markdown example).
MARKDOWN = (
    "# Help-desk audit\n\n"
    "Period: 2026-02-01T00:00:00+00:00 to 2026-03-01T00:00:00+00:00; compared with "
    "2026-01-01T00:00:00+00:00 to 2026-02-01T00:00:00+00:00 (stored report 11).\n\n"
    "420 tickets were created in this period. 2 findings fail, 4 warn, 25 are for information.\n\n"
    "## Findings by severity\n\n### fail\n\n"
    "- **service.sla.first_response**: First responses within target: 86.2 % (362 of 420); "
    "expected ≥ 90.0 % — fails.\n\n"
    "## Service results\n\n"
    "| Check | Figure | Threshold | Verdict | Trend | Rows |\n|---|---|---|---|---|---|\n"
    "| First responses within target | 86.2 % | 90.0 % | fail | ↓ from 91.3 % (worse) | "
    f"[58](/v1/reports/audit/findings/service.sla.first_response/rows?{_QUERY}) |\n"
)

SCHEMAS: dict[str, Any] = {
    "AuditRequest": _PERIOD,
    "PeriodOut": _PERIOD,
    "PreviousPeriodOut": REPORT["previous_period"],
    "FindingOut": FINDING,
    "AuditReportOut": REPORT,
    "StoredReportOut": STORED,
    "FindingRowsOut": {
        "finding": "service.sla.first_response",
        "period": _PERIOD,
        "count": 2,
        "items": [
            {"id": 4711, "priority": "high", "channel": "phone", "team_id": 3},
            {"id": 4730, "priority": "medium", "channel": "email", "team_id": 3},
        ],
        "truncated": False,
    },
}

DESCRIPTIONS: dict[str, str] = {
    "report_id": "The kept audit report's id.",
    "finding_id": "The finding's id, e.g. `process.supervisors` (docs/reports.md lists them).",
}

SCHEMA_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "AuditRequest": {
        "from_": "The period's start (default: 30 days before `to`).",
        "to": "The period's end (default: now).",
    },
    "PeriodOut": {"from": "The period's start.", "to": "The period's end (not included)."},
    "PreviousPeriodOut": {
        "from": "The previous period's start.",
        "to": "The previous period's end.",
    },
    "FindingRowsOut": {"finding": "The finding's id.", "truncated": "More rows than listed."},
    "StoredReportOut": {
        "id": "The kept report's id.",
        "status": "`pending` until the worker has built it, then `ready`.",
        "origin": "`request` (POST) or `schedule` (the monthly schedule).",
        "period": "The period it covers.",
        "team_ids": "The teams it covers; null: the whole desk.",
        "requested_at": "When it was asked for.",
        "built_at": "When the worker built it; null: not yet.",
    },
    "AuditReportOut": {
        "period": "The period the report covers.",
        "previous_period": "The period it is compared with.",
        "generated_at": "When it was built.",
        "summary": "The report's opening sentence.",
        "findings": "Every check's finding.",
    },
    "FindingOut": {
        "section": "The report's section.",
        "title": "What the check measures.",
        "severity": "`info` (passes, or is only reported), `warn` or `fail`.",
        "verdict": "`pass`, `fail`, `info` (no threshold) or `not_measured`.",
        "sentence": "What was found, with the figure and its threshold.",
        "figure": "The figure (a share 0–1, a count, days, a score); null: not measured.",
        "threshold": "What the figure is held to (a setting); null: not judged.",
        "better": "Whether a higher or a lower figure is better.",
    },
}
