"""Escalation rules: which way a move of tier goes, the escalation matrix, acknowledgement times."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

Kind = Literal["functional", "hierarchical", "transfer", "deescalation"]
Trigger = Literal["manual", "sla_warning", "sla_breach", "rule", "acknowledgement_overdue"]
Action = Literal["functional", "hierarchical"]

TIERS = (1, 2, 3)
TOP_TIER = TIERS[-1]
ANY = "any"
PRIORITIES = ("critical", "high", "medium", "low")
METRICS = ("first_response", "next_update", "resolution")
SLA_KINDS = ("warning", "breach")
ACTIONS: tuple[Action, ...] = ("functional", "hierarchical")
# Escalations up wait for the receiving side to take them over; moves across or down do not.
ACKNOWLEDGED_KINDS = frozenset({"functional", "hierarchical"})


class EscalationRefused(Exception):
    """A move the ticket cannot make (past the top tier, to a lower tier as an escalation…)."""


def kind_of_move(from_tier: int, to_tier: int) -> Kind:
    """A team change is an escalation up, a transfer across or a de-escalation down."""
    if to_tier > from_tier:
        return "functional"
    if to_tier == from_tier:
        return "transfer"
    return "deescalation"


def next_tier(tier: int) -> int:
    """The tier a functional escalation goes to; refused at the top."""
    if tier >= TOP_TIER:
        raise EscalationRefused(
            f"the ticket is at tier {tier}, the top tier: there is no higher tier to escalate to"
        )
    return tier + 1


def check_functional(from_tier: int, to_tier: int) -> None:
    if to_tier <= from_tier:
        raise EscalationRefused(
            f"a functional escalation goes to a higher tier than {from_tier}, not {to_tier};"
            " a team of the same tier is a transfer, a lower one a de-escalation"
        )


def check_transfer(from_tier: int, to_tier: int) -> None:
    if to_tier != from_tier:
        raise EscalationRefused(
            f"a transfer goes to a team of the ticket's tier {from_tier}, not {to_tier}"
        )


def lower_tier(tier: int, wanted: int | None) -> int:
    """The tier a de-escalation returns to: `wanted`, or one down; refused at the bottom."""
    target = tier - 1 if wanted is None else wanted
    if tier <= TIERS[0]:
        raise EscalationRefused(f"the ticket is at tier {tier}: there is no lower tier")
    if not TIERS[0] <= target < tier:
        raise EscalationRefused(
            f"a de-escalation from tier {tier} goes to a lower tier, not {target}"
        )
    return target


def acknowledgement_times(created_at: datetime, target_seconds: int) -> tuple[datetime, datetime]:
    """(reminder, due): halfway through the target a reminder, at the target the escalation
    is overdue and goes to the supervisor."""
    target = timedelta(seconds=target_seconds)
    return created_at + target / 2, created_at + target


# ---- the escalation matrix ---------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixRule:
    """On a `on` (warning or breach) of `metric` on a ticket of `priority` ("any": every one),
    escalate `action`-ally."""

    priority: str
    metric: str
    on: str
    action: Action

    def applies(self, priority: str, metric: str, on: str) -> bool:
        return self.priority in (ANY, priority) and self.metric in (ANY, metric) and self.on == on

    def explain(self) -> str:
        who = "any priority" if self.priority == ANY else self.priority
        what = "any SLA metric" if self.metric == ANY else self.metric
        return f"escalation matrix: {who} + {what} {self.on} → {self.action}"


class MatrixError(ValueError):
    """What is wrong with a proposed matrix (every problem, one per line)."""


_CHOICES: Mapping[str, tuple[str, ...]] = {
    "priority": (ANY, *PRIORITIES),
    "metric": (ANY, *METRICS),
    "on": SLA_KINDS,
    "action": ACTIONS,
}


def validate_matrix(rules: Sequence[Mapping[str, Any]]) -> list[MatrixRule]:
    """The rules, in order; MatrixError listing every bad field, and rules repeating an
    earlier one's condition (the first match wins, so a repeat would never apply)."""
    problems: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    parsed: list[MatrixRule] = []
    for i, rule in enumerate(rules):
        for field, choices in _CHOICES.items():
            if rule.get(field) not in choices:
                problems.append(f"rules[{i}].{field}: one of {', '.join(choices)}")
        if any(rule.get(f) not in c for f, c in _CHOICES.items()):
            continue
        key = (str(rule["priority"]), str(rule["metric"]), str(rule["on"]))
        if key in seen:
            problems.append(f"rules[{i}]: repeats the condition of an earlier rule")
        seen.add(key)
        parsed.append(MatrixRule(key[0], key[1], key[2], rule["action"]))
    if problems:
        raise MatrixError("; ".join(problems))
    return parsed


def triggered(
    rules: Sequence[MatrixRule], priority: str, metric: str, on: str
) -> MatrixRule | None:
    """The first rule that applies to a warning or breach, or None."""
    return next((r for r in rules if r.applies(priority, metric, on)), None)
