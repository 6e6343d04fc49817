"""The help-desk audit: its checks, their thresholds and verdicts, the comparison with the previous
period, the cost of handle time, and the report as a Markdown document. Pure: the figures come in."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

from app.domain.escalation import ANY

Severity = Literal["info", "warn", "fail"]
Verdict = Literal["pass", "fail", "not_measured", "info"]
# How a finding's figure follows from its rows: the share of `of` they are not (rows are the
# failures), the share they are, their number, the mean or least of a column over them, the
# days since a moment of the one row, or a setting's value.
FigureKind = Literal["share_without", "share", "count", "mean", "least", "age_days", "setting"]

SECTIONS: dict[str, str] = {
    "service": "Service results",
    "process": "Process health",
    "knowledge": "Knowledge",
    "quality": "Quality",
    "cost": "Cost",
    "access": "Access and data",
}


@dataclass(frozen=True)
class Check:
    """One finding the audit makes: what it measures, from which rows, and when it fails."""

    id: str
    section: str
    title: str
    figure: FigureKind
    rows: str | None  # the rows behind the figure (their drill-down); None: a setting
    better: Literal["higher", "lower"]
    threshold: float | None  # None: reported, never judged (a setting can give one)
    failing: Severity
    of: str | None = None  # the rows a share is of
    column: str | None = None  # the column a mean, least or age is of
    periodic: bool = True  # the figure is of the period (False: the state at its end)


CHECKS: tuple[Check, ...] = (
    Check("service.sla.first_response", "service", "First responses within target",
          "share_without", "sla_breached_first_response", "higher", 0.9, "fail",
          of="tickets_created"),
    Check("service.sla.next_update", "service", "Next updates within target",
          "share_without", "sla_breached_next_update", "higher", 0.9, "fail",
          of="tickets_created"),
    Check("service.sla.resolution", "service", "Resolutions within target",
          "share_without", "sla_breached_resolution", "higher", 0.9, "fail",
          of="tickets_created"),
    Check("service.callbacks", "service", "Callbacks kept on time",
          "share_without", "callbacks_missed", "higher", 0.9, "warn", of="callbacks_due"),
    Check("service.escalations", "service", "Escalations acknowledged within target",
          "share_without", "escalations_late", "higher", 0.9, "warn", of="escalations_due"),
    Check("service.csat", "service", "Satisfied customers (CSAT 4 or 5)",
          "share_without", "csat_unsatisfied", "higher", 0.8, "warn", of="csat_answers"),
    Check("service.backlog", "service", "Open tickets older than 7 days",
          "count", "backlog_old", "lower", 10, "warn", periodic=False),
    Check("process.sla_coverage", "process", "Tickets no SLA policy covered",
          "count", "no_sla_policy", "lower", 0, "fail"),
    Check("process.tiers", "process", "Tiers without an active team or a path up",
          "count", "tiers_without_path", "lower", 0, "fail", periodic=False),
    Check("process.supervisors", "process", "Teams without an active supervisor",
          "count", "teams_without_supervisor", "lower", 0, "warn", periodic=False),
    Check("process.languages", "process", "Tickets in a language no active agent of their team speaks",
          "count", "languages_unspoken", "lower", 0, "warn"),
    Check("process.routing_rules", "process", "Active routing rules that never matched",
          "count", "routing_rules_unmatched", "lower", 0, "warn"),
    Check("process.escalation_matrix", "process", "Escalation-matrix rows that can never apply",
          "count", "matrix_rows_dead", "lower", 0, "warn", periodic=False),
    Check("process.reminders", "process", "Follow-up reminders acted on before their deadline",
          "share_without", "reminders_late", "higher", 0.9, "warn", of="reminders_due"),
    Check("process.updates", "process", "Open tickets with no public update for over 24 h",
          "count", "tickets_without_update", "lower", 0, "warn", periodic=False),
    Check("knowledge.review", "knowledge", "Articles past their review date",
          "count", "articles_past_review", "lower", 0, "warn", periodic=False),
    Check("knowledge.translations", "knowledge", "Translations behind their source",
          "count", "translations_outdated", "lower", 0, "warn", periodic=False),
    Check("knowledge.languages", "knowledge", "Languages customers wrote in with no published article",
          "count", "languages_without_article", "lower", 0, "warn"),
    Check("knowledge.zero_results", "knowledge", "Searches that found nothing",
          "share", "searches_without_result", "lower", 0.2, "warn", of="searches"),
    Check("knowledge.solved_by_article", "knowledge", "Resolved tickets solved by an article",
          "share", "tickets_solved_by_article", "higher", None, "info", of="tickets_resolved"),
    Check("quality.score", "quality", "Average QA score",
          "mean", "qa_reviews_scored", "higher", 0.8, "warn", column="score"),
    Check("quality.coverage", "quality", "Resolved tickets reviewed",
          "share_without", "tickets_unreviewed", "higher", 0.05, "warn", of="tickets_resolved"),
    Check("quality.calibration", "quality", "Lowest calibration agreement (Krippendorff's alpha)",
          "least", "qa_calibrations", "higher", 0.667, "warn", column="alpha"),
    Check("quality.disputes", "quality", "Reviews disputed",
          "share", "qa_disputes", "lower", 0.1, "warn", of="qa_reviews"),
    Check("cost.per_ticket", "cost", "Cost of handle time per ticket",
          "mean", "tickets_handled", "lower", None, "info", column="cost"),
    Check("access.admins", "access", "Active admin keys",
          "count", "keys_admin", "lower", 3, "warn", periodic=False),
    Check("access.unused_keys", "access", "Active keys unused for 90 days",
          "count", "keys_unused", "lower", 0, "warn", periodic=False),
    Check("access.keys_without_expiry", "access", "Active keys without expiry",
          "count", "keys_without_expiry", "lower", 0, "warn", periodic=False),
    Check("access.backup", "access", "Days since the last verified backup",
          "age_days", "backup_verified", "lower", 7, "fail", column="verified_at", periodic=False),
    Check("access.retention", "access", "Retention of closed tickets' personal data (days)",
          "setting", None, "lower", None, "warn", periodic=False),
    Check("access.audit_gaps", "access", "Audited tables whose writes go unrecorded",
          "count", "audit_gaps", "lower", 0, "fail", periodic=False),
)  # fmt: skip
BY_ID: dict[str, Check] = {c.id: c for c in CHECKS}

# What the checklist asks that the service does not record: said so, never estimated.
NOT_MEASURED: tuple[tuple[str, str], ...] = (
    (
        "Survey response rate",
        "surveys sent are not recorded: the report gives answers per resolved ticket instead",
    ),
    (
        "Automation and integrations working",
        "not checked by this report: see the webhook deliveries and the worker's status",
    ),
)


class ThresholdError(ValueError):
    """A threshold setting naming no check, or one the check cannot take."""


def thresholds(overrides: Mapping[str, float | None]) -> dict[str, float | None]:
    """Every check's threshold: its default, or the setting's value for it."""
    unknown = sorted(set(overrides) - set(BY_ID))
    if unknown:
        raise ThresholdError(f"no audit check is named {', '.join(unknown)}")
    return {c.id: overrides.get(c.id, c.threshold) for c in CHECKS}


def month_before(at: datetime) -> tuple[datetime, datetime]:
    """The calendar month (UTC) before the one `at` is in."""
    first = at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = (first - timedelta(days=1)).replace(day=1)
    return start, first


def next_month(at: datetime) -> datetime:
    """The start (UTC) of the month after the one `at` is in: when the schedule fires next."""
    first = at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


def previous_period(frm: datetime, to: datetime) -> tuple[datetime, datetime]:
    """The period of the same length just before [frm, to)."""
    return frm - (to - frm), frm


# ---- verdicts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """A check's raw figures: how many rows are behind it, of how many, and its figure."""

    count: int | None  # the drill-down's rows; None: a setting
    of: int | None
    value: float | None


def figure_of(check: Check, count: int, of: int | None, value: float | None) -> Measured:
    """The figure the check's kind makes of its rows."""
    if check.figure == "share_without":
        return Measured(count, of, None if not of else round(1 - count / of, 4))
    if check.figure == "share":
        return Measured(count, of, None if not of else round(count / of, 4))
    if check.figure == "count":
        return Measured(count, of, float(count))
    return Measured(count, of, None if value is None else round(value, 4))


def _meets(better: str, value: float, threshold: float) -> bool:
    return value >= threshold if better == "higher" else value <= threshold


def verdict(check: Check, measured: Measured, threshold: float | None) -> tuple[Verdict, Severity]:
    if check.figure == "setting":
        if measured.value is None:
            return "fail", check.failing
        if threshold is None or _meets(check.better, measured.value, threshold):
            return "pass", "info"
        return "fail", check.failing
    if measured.value is None:
        if check.figure == "age_days":  # no verified backup at all
            return "fail", check.failing
        return "not_measured", "info"
    if threshold is None:
        return "info", "info"
    if _meets(check.better, measured.value, threshold):
        return "pass", "info"
    return "fail", check.failing


def worse(check: Check, now: float | None, before: float | None) -> bool:
    """Whether the figure moved the wrong way since the previous period."""
    if now is None or before is None or now == before:
        return False
    return now < before if check.better == "higher" else now > before


def drill_down(check: Check, frm: datetime, to: datetime) -> str | None:
    """The URL of this service that lists the rows behind the finding."""
    if check.rows is None:
        return None
    query = urlencode({"from": frm.isoformat(), "to": to.isoformat()})
    return f"/v1/reports/audit/findings/{check.id}/rows?{query}"


def _percent(value: float) -> str:
    return f"{value * 100:.1f} %"


def show(check: Check, value: float | None) -> str:
    """A figure as a person reads it."""
    if value is None:
        return "not set" if check.figure == "setting" else "—"
    if check.figure in ("share", "share_without"):
        return _percent(value)
    if check.figure in ("count", "age_days", "setting"):
        return f"{value:g}"
    return f"{value:.2f}"


def sentence(check: Check, measured: Measured, threshold: float | None, verdict_: Verdict) -> str:
    """One line saying what was found, with the figure and what it is held to."""
    if verdict_ == "not_measured":
        return f"{check.title}: not measured — nothing in the period to measure."
    if check.figure == "setting" and measured.value is None:
        return f"{check.title}: not set, so personal data is kept without end."
    if check.figure == "age_days" and measured.value is None:
        return f"{check.title}: no backup has ever been verified."
    text = f"{check.title}: {show(check, measured.value)}"
    if check.figure in ("share", "share_without") and measured.of is not None:
        part = measured.count if check.figure == "share" else measured.of - (measured.count or 0)
        text += f" ({part} of {measured.of})"
    if threshold is not None:
        sign = "≥" if check.better == "higher" else "≤"
        text += f"; expected {sign} {show(check, threshold)}"
    return text + (
        " — passes." if verdict_ == "pass" else " — fails." if verdict_ == "fail" else "."
    )


def finding(
    check: Check,
    measured: Measured,
    threshold: float | None,
    previous: float | None,
    frm: datetime,
    to: datetime,
) -> dict[str, Any]:
    """The finding as the report holds it."""
    v, severity = verdict(check, measured, threshold)
    return {
        "id": check.id,
        "section": check.section,
        "title": check.title,
        "severity": severity,
        "verdict": v,
        "sentence": sentence(check, measured, threshold, v),
        "figure": measured.value,
        "threshold": threshold,
        "better": check.better,
        "count": measured.count,
        "of": measured.of,
        "previous": previous,
        "worse": worse(check, measured.value, previous),
        "drill_down": drill_down(check, frm, to),
    }


# ---- the escalation matrix ----------------------------------------------------------------------


def dead_matrix_rows(rules: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The matrix's rows an earlier row always wins over (the first match applies): each with its
    position and the earlier row's."""
    dead = []
    for i, rule in enumerate(rules):
        for j, earlier in enumerate(rules[:i]):
            if earlier.get("on") != rule.get("on"):
                continue
            if all(earlier.get(f) in (ANY, rule.get(f)) for f in ("priority", "metric")):
                dead.append({"id": i, "shadowed_by": j})
                break
    return dead


# ---- cost -------------------------------------------------------------------------------------


def rate_of(rates: Mapping[str, float], team_id: int | None) -> float:
    """A team's cost per hour of handle time: its own rate, else the `default` one, else 0."""
    if team_id is not None and str(team_id) in rates:
        return rates[str(team_id)]
    return rates.get("default", 0.0)


def cost(seconds: int, rate: float) -> float:
    return round(seconds / 3600 * rate, 2)


def cost_table(handled: Iterable[Mapping[str, Any]], by: str) -> list[dict[str, Any]]:
    """Handled tickets' cost (each row: `cost`, and `by`) per value of `by`: tickets, total,
    cost per ticket; the costliest first."""
    groups: dict[str, list[float]] = {}
    for row in handled:
        groups.setdefault(str(row[by] or ""), []).append(row["cost"])
    table = [
        {by: value, "tickets": len(costs), "cost": round(sum(costs), 2),
         "per_ticket": round(sum(costs) / len(costs), 2)}
        for value, costs in groups.items()
    ]  # fmt: skip
    return sorted(table, key=lambda r: (-r["cost"], r[by]))


# ---- the document -----------------------------------------------------------------------------

_SEVERITY_ORDER = ("fail", "warn", "info")


def _cell(value: object) -> str:
    text = "—" if value is None or value == "" else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(head: Sequence[str], body: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in body]
    return [*lines, ""]


def _trend(f: Mapping[str, Any]) -> str:
    check = BY_ID[f["id"]]
    if f["previous"] is None or f["figure"] is None:
        return "—"
    if f["figure"] == f["previous"]:
        return "="
    arrow = "↑" if f["figure"] > f["previous"] else "↓"
    return f"{arrow} from {show(check, f['previous'])}" + (" (worse)" if f["worse"] else "")


def markdown(report: Mapping[str, Any]) -> str:
    """The report as a document a manager forwards as it is (CommonMark, GFM tables)."""
    period = report["period"]
    out = [
        "# Help-desk audit",
        "",
        f"Period: {period['from']} to {period['to']}; compared with "
        f"{report['previous_period']['from']} to {report['previous_period']['to']} "
        f"({report['previous_period']['source']}).",
        "",
    ]
    teams = report.get("team_ids")
    out += (
        [f"Teams: {', '.join(str(t) for t in teams) if teams else 'none'}.", ""]
        if (teams is not None)
        else []
    )
    out += [report["summary"], ""]
    findings = report["findings"]
    worse_ones = [f for f in findings if f["worse"]]
    out += ["## Findings by severity", ""]
    for severity in _SEVERITY_ORDER:
        chosen = [f for f in findings if f["severity"] == severity]
        if not chosen:
            continue
        out += [f"### {severity}", ""]
        out += [f"- **{f['id']}**: {f['sentence']}" for f in chosen]
        out += [""]
    if worse_ones:
        out += ["## Worse than the previous period", ""]
        out += [f"- **{f['id']}**: {f['title']} — {_trend(f)}" for f in worse_ones]
        out += [""]
    for section, title in SECTIONS.items():
        out += [f"## {title}", ""]
        chosen = [f for f in findings if f["section"] == section]
        out += _table(
            ("Check", "Figure", "Threshold", "Verdict", "Trend", "Rows"),
            (
                (
                    f["title"],
                    show(BY_ID[f["id"]], f["figure"]),
                    None if f["threshold"] is None else show(BY_ID[f["id"]], f["threshold"]),
                    f["verdict"],
                    _trend(f),
                    f"[{f['count']}]({f['drill_down']})" if f["drill_down"] else None,
                )
                for f in chosen
            ),
        )
        for name, table in report["tables"].get(section, {}).items():
            if not table:
                continue
            out += [f"### {name}", ""]
            head = list(table[0])
            out += _table(head, ([row[h] for h in head] for row in table))
    out += ["## Not measured", ""]
    out += [f"- **{what}**: {why}" for what, why in report["not_measured"]]
    return "\n".join(out) + "\n"


def summary(findings: Sequence[Mapping[str, Any]], tickets: int) -> str:
    """The report's opening sentence."""
    counted = {s: sum(1 for f in findings if f["severity"] == s) for s in _SEVERITY_ORDER}
    head = (
        "The desk recorded no tickets in this period: the service figures are not measured. "
        if tickets == 0
        else f"{tickets} tickets were created in this period. "
    )
    return head + (
        f"{counted['fail']} findings fail, {counted['warn']} warn, {counted['info']} are for "
        "information."
    )


def age_days(at: datetime, then: datetime | None) -> float | None:
    return None if then is None else round((at - then) / timedelta(days=1), 1)
