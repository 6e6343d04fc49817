"""Ticket priority: impact × urgency via a configurable matrix, planned work, agent overrides."""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = [
    "DEFAULT_MATRIX",
    "IMPACTS",
    "PRIORITIES",
    "URGENCIES",
    "Impact",
    "MatrixError",
    "Priority",
    "PriorityDecision",
    "Urgency",
    "decide_priority",
    "validate_matrix",
]

Impact = Literal["organization", "department", "user", "none"]
Urgency = Literal["critical", "high", "medium", "low"]
Priority = Literal["critical", "high", "medium", "low"]

# Most severe first: callers rely on this order for display and for "worst of" comparisons.
IMPACTS: tuple[Impact, ...] = ("organization", "department", "user", "none")
URGENCIES: tuple[Urgency, ...] = ("critical", "high", "medium", "low")
PRIORITIES: tuple[Priority, ...] = ("critical", "high", "medium", "low")

# Planned work (changes scheduled ahead) never competes with incidents, whatever the matrix says.
PLANNED_TYPE = "planned"
PLANNED_PRIORITY: Priority = "low"


def _frozen(rows: dict[str, tuple[str, ...]]) -> Mapping[str, Mapping[str, str]]:
    # Read-only views, so no caller can edit the shared default in place.
    return MappingProxyType(
        {
            impact: MappingProxyType(dict(zip(URGENCIES, row, strict=True)))
            for impact, row in rows.items()
        }
    )


# Rows are impacts, columns urgencies in URGENCIES order: critical, high, medium, low.
DEFAULT_MATRIX: Mapping[str, Mapping[str, str]] = _frozen(
    {
        "organization": ("critical", "critical", "high", "medium"),
        "department": ("critical", "high", "medium", "low"),
        "user": ("high", "medium", "medium", "low"),
        "none": ("medium", "low", "low", "low"),
    }
)


class MatrixError(ValueError):
    """A priority matrix that is incomplete or names unknown impacts, urgencies or priorities."""


def validate_matrix(raw: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Check a matrix and return it as plain dicts in canonical order (IMPACTS × URGENCIES).

    Raises MatrixError whose message lists every problem, separated by "; ", e.g.
    "missing cell department×low; unknown priority 'urgent' at user×high; unknown impact 'x'".
    """
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        raise MatrixError(f"expected a mapping of impact → urgency → priority, got {raw!r}")
    for impact in IMPACTS:
        row = raw.get(impact)
        if row is None:
            problems.append(f"missing impact {impact}")
            continue
        if not isinstance(row, Mapping):
            problems.append(f"impact {impact} must map urgencies to priorities, got {row!r}")
            continue
        for urgency in URGENCIES:
            if urgency not in row:
                problems.append(f"missing cell {impact}×{urgency}")
            elif row[urgency] not in PRIORITIES:
                problems.append(f"unknown priority {row[urgency]!r} at {impact}×{urgency}")
        problems.extend(f"unknown urgency {u!r} at {impact}" for u in row if u not in URGENCIES)
    problems.extend(f"unknown impact {i!r}" for i in raw if i not in IMPACTS)
    if problems:
        raise MatrixError("; ".join(problems))
    return {i: {u: raw[i][u] for u in URGENCIES} for i in IMPACTS}


@dataclass(frozen=True)
class PriorityDecision:
    """The priority a ticket gets and a one-line reason an agent can read."""

    priority: str
    reason: str
    overridden: bool


def decide_priority(
    *,
    impact: str,
    urgency: str,
    ticket_type: str,
    matrix: Mapping[str, Mapping[str, str]],
    override: str | None = None,
    override_reason: str | None = None,
) -> PriorityDecision:
    """Decide a ticket's priority: an agent's override wins, then planned work, then the matrix.

    Raises ValueError for an unknown impact, urgency or override priority, or an override
    without a non-empty reason; MatrixError if the matrix lacks a valid cell for this pair.
    """
    if impact not in IMPACTS:
        raise ValueError(f"unknown impact {impact!r}; expected one of {', '.join(IMPACTS)}")
    if urgency not in URGENCIES:
        raise ValueError(f"unknown urgency {urgency!r}; expected one of {', '.join(URGENCIES)}")
    if override is not None:
        if override not in PRIORITIES:
            raise ValueError(
                f"unknown priority {override!r}; expected one of {', '.join(PRIORITIES)}"
            )
        reason = (override_reason or "").strip()
        if not reason:
            raise ValueError("an override needs a reason")
        return PriorityDecision(override, f"override by agent: {reason} → {override}", True)
    if ticket_type == PLANNED_TYPE:
        return PriorityDecision(
            PLANNED_PRIORITY, f"type={PLANNED_TYPE} → {PLANNED_PRIORITY}", False
        )
    row = matrix.get(impact)
    cell = row.get(urgency) if row is not None else None
    if cell is None or cell not in PRIORITIES:
        raise MatrixError(f"the matrix has no valid priority at {impact}×{urgency}: {cell!r}")
    return PriorityDecision(cell, f"impact={impact} × urgency={urgency} → {cell}", False)
