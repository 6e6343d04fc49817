"""KPI formulas: what each figure of /v1/metrics means, and the pure arithmetic behind it.

The database counts and sums (app/store/metrics.py); the rates, scores and buckets are
computed here, so each definition lives in one place. Every definition below is also the text
the API documents (DEFINITIONS), so openapi.md says exactly what the code computes."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Interval = Literal["day", "week", "month"]

# The statuses that wait on us, and the one that waits on the customer (lifecycle).
OPEN_STATUSES = ("new", "open", "pending", "on_hold")
# Backlog age buckets: (label, upper bound in seconds, exclusive); the last has none.
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("under_1d", 86_400),
    ("1d_to_3d", 3 * 86_400),
    ("3d_to_7d", 7 * 86_400),
    ("7d_to_30d", 30 * 86_400),
    ("over_30d", None),
)
REPEAT_WINDOW = timedelta(days=7)
TOP_N = 10
MAX_BUCKETS = 400
DEFAULT_PERIOD = timedelta(days=30)

# What each figure is. The period is [from, to): `from` included, `to` excluded. "In scope":
# the tickets the caller sees that match the filters (team_id, agent_id as the assignee,
# channel, priority, category).
DEFINITIONS: dict[str, str] = {
    "volume": "created / resolved / closed: tickets in scope whose created_at / resolved_at / "
    "closed_at falls in the period (a ticket resolved twice counts at its last resolution).",
    "backlog": "tickets in scope open now (new, open, pending, on_hold), by status, priority, "
    "team and age (now − created_at: under 1 day, 1–3, 3–7, 7–30 days, over 30 days); not "
    "limited by the period.",
    "first_response": "over tickets in scope created in the period that have a first response: "
    "seconds from created_at to the first public agent reply (an outbound call counts; an "
    "inbound call an agent logs is the customer's), wall clock; "
    "mean, median and 90th percentile; `business`: the same in business seconds (the ticket's "
    "policy calendar, pauses left out, as its SLA clock counted them). "
    "`closed_without_reply`: those created in the period, "
    "resolved or closed with no agent reply — counted apart, never as met.",
    "resolution": "over tickets in scope resolved in the period: seconds from created_at to "
    "resolved_at, wall clock (pauses included); mean, median and 90th percentile; "
    "`business`: the business seconds the resolution clock used (calendar, pauses left out).",
    "requester_wait": "over tickets in scope resolved in the period: the seconds between "
    "created_at and resolved_at the ticket spent waiting on us (new, open or on_hold), i.e. "
    "resolution time less the time pending on the customer and the time resolved before a "
    "reopen; mean, median and 90th percentile.",
    "first_contact_resolution": "share of tickets resolved in the period that were resolved "
    "with exactly one public agent reply, never reopened, never escalated, transferred or "
    "de-escalated (a team set by routing where there was none is no transfer).",
    "escalation_rate": "share of tickets resolved in the period that were escalated up "
    "(functional or hierarchical) at least once.",
    "moves": "escalations made in the period on tickets in scope, by kind: `functional`, "
    "`hierarchical`, `transfers` (to a team of the same tier; the transfer count) and "
    "`deescalations`.",
    "resolution_rate": "share of tickets created in the period that were resolved or closed "
    "before `to`.",
    "reopen_rate": "share of tickets resolved in the period that were reopened at least once.",
    "replies_per_resolution": "mean number of public agent replies on tickets resolved in the "
    "period.",
    "sla": "per metric: `measured` — first_response: tickets created in the period under a "
    "policy that had a first response; resolution: tickets resolved in the period under a "
    "policy; `breached` — those of them with a recorded breach of that metric; `compliance` "
    "= (measured − breached) / measured. `breaches`: breach events recorded in the period by "
    "metric (next_update included). Due times are business time by the ticket's calendar.",
    "csat": "answers given in the period about tickets in scope: `satisfied_share` = share of "
    "scores 4–5, `mean` = mean score (1–5).",
    "nps": "answers given in the period: promoters 9–10, passives 7–8, detractors 0–6; score "
    "= 100 × (promoters − detractors) / answers, from −100 to 100.",
    "negative_responses": "csat: share of CSAT answers of 1–2; nps: share of NPS answers of "
    "0–6 (detractors); each of the answers of its own kind given in the period.",
    "repeat_contacts": "over tickets in scope created in the period with a customer: "
    "`customers` who opened one, `repeat_customers` who opened more than one, `customer_rate` "
    "their share; `within_7_days` tickets opened at most 7 days after another ticket of the "
    "same customer was resolved (whether or not the caller sees that one), `ticket_rate` their "
    "share of those tickets.",
    "callbacks": "callbacks on tickets in scope requested for a moment in the period and no "
    "longer scheduled (`of`): `count` those done by their grace deadline, `rate` their share.",
    "top_issues": "the 10 most common categories and tags of tickets created in the period.",
    "by_type": "per ticket type, over tickets resolved in the period: how many, their mean "
    "resolution seconds and mean handle seconds (durations of the calls and callbacks logged "
    "on them).",
    "agents": "per agent, over tickets in scope: `resolved` in the period by them (the "
    "assignee when the ticket was resolved, else the agent who resolved it: escalating, "
    "transferring or reassigning a resolved ticket moves no credit), their mean resolution "
    "seconds and first-contact resolutions; `public_replies` they wrote and `handle_seconds` "
    "(durations of the calls and callbacks they logged) in the period, with "
    "`handle_seconds_per_resolved`; `csat_mean` of answers in the period about tickets they "
    "resolved (tickets never resolved: assigned to them).",
}


def described(*names: str) -> str:
    """The definitions of `names`, as a Markdown list for an endpoint's description."""
    return "\n".join(f"* `{name}`: {DEFINITIONS[name]}" for name in names)


def share(part: int, whole: int) -> float | None:
    """part / whole; None when there is nothing to take a share of (an empty period)."""
    return None if whole == 0 else part / whole


def mean(total: float | None, count: int) -> float | None:
    return None if count == 0 or total is None else total / count


def nps_score(promoters: int, detractors: int, answers: int) -> float | None:
    """100 × (promoters − detractors) / answers, or None without answers."""
    return None if answers == 0 else 100.0 * (promoters - detractors) / answers


def compliance(measured: int, breached: int) -> float | None:
    return share(measured - breached, measured)


# ---- periods and buckets ------------------------------------------------------------------


def instant(bound: datetime | date, zone: ZoneInfo) -> datetime:
    """A period bound as an instant: a date is its midnight in `zone`."""
    if isinstance(bound, datetime):
        return bound.astimezone(UTC)
    return datetime.combine(bound, time(), zone).astimezone(UTC)


class PeriodError(ValueError):
    """A period or bucket request that names no sensible period."""


def period(
    start: datetime | date | None, end: datetime | date | None, zone: ZoneInfo, now: datetime
) -> tuple[datetime, datetime]:
    """[from, to) as UTC instants: `to` defaults to now, `from` to 30 days before `to`."""
    to = instant(end, zone) if end is not None else now.astimezone(UTC)
    frm = instant(start, zone) if start is not None else to - DEFAULT_PERIOD
    if frm >= to:
        raise PeriodError("`from` must be before `to`")
    return frm, to


def _truncate(local: datetime, interval: Interval) -> datetime:
    day = local.replace(hour=0, minute=0, second=0, microsecond=0, fold=0)
    if interval == "week":  # ISO weeks: Monday
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def _step(local: datetime, interval: Interval) -> datetime:
    if interval == "day":
        return local + timedelta(days=1)
    if interval == "week":
        return local + timedelta(days=7)
    return local.replace(year=local.year + local.month // 12, month=local.month % 12 + 1)


def bucket_starts(
    frm: datetime, to: datetime, interval: Interval, zone: ZoneInfo
) -> list[datetime]:
    """The UTC instants where buckets start, from the one holding `frm`, and the end of the
    last (the bucket holding the instant before `to`): n + 1 bounds for n buckets.

    Buckets are calendar days, ISO weeks or months in `zone`: local midnights, so a day is 23
    or 25 hours long across a DST change (wall-clock arithmetic on naive local times, then
    each local midnight converted; a midnight that does not exist is the first instant after
    it)."""
    local = _truncate(frm.astimezone(zone).replace(tzinfo=None), interval)
    bounds = [_utc(local, zone)]
    while bounds[-1] < to:
        if len(bounds) > MAX_BUCKETS:
            raise PeriodError(
                f"the period has more than {MAX_BUCKETS} {interval} buckets; use a longer "
                "interval or a shorter period"
            )
        local = _step(local, interval)
        bounds.append(_utc(local, zone))
    return bounds


def _utc(local: datetime, zone: ZoneInfo) -> datetime:
    aware = local.replace(tzinfo=zone)
    # A local time skipped by a DST change (fold cannot help): its UTC round trip moves it.
    back = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != local:
        aware = (local + timedelta(hours=1)).replace(tzinfo=zone)
    return aware.astimezone(UTC)


# ---- time series values ----------------------------------------------------------------------

SeriesMetric = Literal[
    "created",
    "resolved",
    "closed",
    "first_response_mean_seconds",
    "resolution_mean_seconds",
    "csat_satisfied_share",
    "nps_score",
    "sla_breaches",
]
SERIES_DEFINITIONS: dict[str, str] = {
    "created": "tickets created in the bucket (as `volume`).",
    "resolved": "tickets resolved in the bucket (their last resolution).",
    "closed": "tickets closed in the bucket.",
    "first_response_mean_seconds": "mean first response seconds of the tickets created in "
    "the bucket that have one (as `first_response`).",
    "resolution_mean_seconds": "mean resolution seconds of the tickets resolved in the bucket.",
    "csat_satisfied_share": "share of CSAT answers of 4–5 given in the bucket.",
    "nps_score": "NPS of the answers given in the bucket (as `nps`).",
    "sla_breaches": "SLA breach events recorded in the bucket, every metric.",
}


@dataclass(frozen=True)
class BucketFigures:
    """What the database sums per bucket: rows, a total, and the rows of two subsets."""

    rows: int = 0
    total: float | None = None
    first: int = 0
    second: int = 0


def series_value(metric: SeriesMetric, f: BucketFigures) -> float | None:
    """A bucket's value: a count is 0 when empty, a mean, share or score null."""
    if metric in ("created", "resolved", "closed", "sla_breaches"):
        return float(f.rows)
    if metric in ("first_response_mean_seconds", "resolution_mean_seconds"):
        return mean(f.total, f.rows)
    if metric == "csat_satisfied_share":
        return share(f.first, f.rows)
    return nps_score(f.first, f.second, f.rows)


def age_bucket(age_seconds: float, buckets: Sequence[tuple[str, int | None]] = AGE_BUCKETS) -> str:
    """The backlog age bucket of a ticket open for `age_seconds`."""
    for label, upper in buckets:
        if upper is None or age_seconds < upper:
            return label
    return buckets[-1][0]
