"""Tests for the priority matrix, its validation and the priority decision."""

import pytest

from app.domain.priority import (
    DEFAULT_MATRIX,
    IMPACTS,
    PRIORITIES,
    URGENCIES,
    MatrixError,
    PriorityDecision,
    decide_priority,
    validate_matrix,
)

EXPECTED = {
    ("organization", "critical"): "critical",
    ("organization", "high"): "critical",
    ("organization", "medium"): "high",
    ("organization", "low"): "medium",
    ("department", "critical"): "critical",
    ("department", "high"): "high",
    ("department", "medium"): "medium",
    ("department", "low"): "low",
    ("user", "critical"): "high",
    ("user", "high"): "medium",
    ("user", "medium"): "medium",
    ("user", "low"): "low",
    ("none", "critical"): "medium",
    ("none", "high"): "low",
    ("none", "medium"): "low",
    ("none", "low"): "low",
}


def full_matrix() -> dict[str, dict[str, str]]:
    return {i: dict(row) for i, row in DEFAULT_MATRIX.items()}


def test_orders_are_most_severe_first() -> None:
    assert IMPACTS == ("organization", "department", "user", "none")
    assert URGENCIES == ("critical", "high", "medium", "low")
    assert PRIORITIES == ("critical", "high", "medium", "low")


def test_default_matrix_has_exactly_the_expected_cells() -> None:
    cells = {(i, u): p for i, row in DEFAULT_MATRIX.items() for u, p in row.items()}
    assert cells == EXPECTED


def test_default_matrix_is_read_only() -> None:
    with pytest.raises(TypeError):
        DEFAULT_MATRIX["user"]["low"] = "critical"  # type: ignore[index]


@pytest.mark.parametrize(("impact", "urgency"), sorted(EXPECTED))
def test_every_default_cell_decides_with_its_reason(impact: str, urgency: str) -> None:
    expected = EXPECTED[(impact, urgency)]
    decision = decide_priority(
        impact=impact, urgency=urgency, ticket_type="incident", matrix=DEFAULT_MATRIX
    )
    assert decision == PriorityDecision(
        expected, f"impact={impact} × urgency={urgency} → {expected}", False
    )


def test_reason_text_is_exact() -> None:
    decision = decide_priority(
        impact="department", urgency="high", ticket_type="question", matrix=DEFAULT_MATRIX
    )
    assert decision.reason == "impact=department × urgency=high → high"


def test_matrix_is_the_one_passed_in() -> None:
    matrix = full_matrix()
    matrix["none"]["low"] = "critical"
    decision = decide_priority(impact="none", urgency="low", ticket_type="incident", matrix=matrix)
    assert decision.priority == "critical"


@pytest.mark.parametrize(("impact", "urgency"), [("organization", "critical"), ("none", "low")])
def test_planned_is_low_regardless_of_matrix(impact: str, urgency: str) -> None:
    decision = decide_priority(
        impact=impact, urgency=urgency, ticket_type="planned", matrix=DEFAULT_MATRIX
    )
    assert decision == PriorityDecision("low", "type=planned → low", False)


def test_override_wins_over_matrix_and_planned() -> None:
    decision = decide_priority(
        impact="none",
        urgency="low",
        ticket_type="planned",
        matrix=DEFAULT_MATRIX,
        override="critical",
        override_reason="CEO's laptop",
    )
    assert decision == PriorityDecision(
        "critical", "override by agent: CEO's laptop → critical", True
    )


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_override_without_reason_is_rejected(reason: str | None) -> None:
    with pytest.raises(ValueError, match="reason"):
        decide_priority(
            impact="user",
            urgency="low",
            ticket_type="incident",
            matrix=DEFAULT_MATRIX,
            override="high",
            override_reason=reason,
        )


def test_reason_without_override_is_ignored() -> None:
    decision = decide_priority(
        impact="user",
        urgency="low",
        ticket_type="incident",
        matrix=DEFAULT_MATRIX,
        override_reason="stale",
    )
    assert decision == PriorityDecision("low", "impact=user × urgency=low → low", False)


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("impact", {"impact": "galaxy", "urgency": "low"}),
        ("urgency", {"impact": "user", "urgency": "whenever"}),
        ("priority", {"impact": "user", "urgency": "low", "override": "urgent"}),
    ],
)
def test_unknown_values_are_rejected(field: str, kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=f"unknown {field}"):
        decide_priority(
            ticket_type="incident", matrix=DEFAULT_MATRIX, override_reason="because", **kwargs
        )


def test_decision_from_a_matrix_lacking_the_cell_is_a_matrix_error() -> None:
    matrix = full_matrix()
    del matrix["user"]["low"]
    with pytest.raises(MatrixError, match="user×low"):
        decide_priority(impact="user", urgency="low", ticket_type="incident", matrix=matrix)


def test_validate_returns_canonical_plain_dicts() -> None:
    raw = {
        i: dict(reversed(list(row.items()))) for i, row in reversed(list(DEFAULT_MATRIX.items()))
    }
    cells = validate_matrix(raw)
    assert cells == full_matrix()
    assert list(cells) == list(IMPACTS)
    assert all(list(row) == list(URGENCIES) for row in cells.values())
    assert type(cells) is dict and all(type(row) is dict for row in cells.values())


def test_validate_missing_cell() -> None:
    matrix = full_matrix()
    del matrix["department"]["low"]
    with pytest.raises(MatrixError) as exc:
        validate_matrix(matrix)
    assert str(exc.value) == "missing cell department×low"


def test_validate_unknown_priority() -> None:
    matrix = full_matrix()
    matrix["user"]["high"] = "urgent"
    with pytest.raises(MatrixError, match=r"^unknown priority 'urgent' at user×high$"):
        validate_matrix(matrix)


def test_validate_unknown_impact_and_urgency() -> None:
    matrix = full_matrix()
    matrix["galaxy"] = dict(matrix["user"])
    matrix["none"]["whenever"] = "low"
    with pytest.raises(MatrixError) as exc:
        validate_matrix(matrix)
    assert str(exc.value) == "unknown urgency 'whenever' at none; unknown impact 'galaxy'"


def test_validate_lists_every_problem() -> None:
    matrix = full_matrix()
    del matrix["department"]["low"]
    matrix["user"]["high"] = "urgent"
    del matrix["none"]
    matrix["galaxy"] = {"critical": "low"}
    with pytest.raises(MatrixError) as exc:
        validate_matrix(matrix)
    assert str(exc.value) == (
        "missing cell department×low; unknown priority 'urgent' at user×high; "
        "missing impact none; unknown impact 'galaxy'"
    )


def test_validate_rejects_a_row_that_is_not_a_mapping() -> None:
    matrix: dict[str, object] = full_matrix()
    matrix["user"] = "low"
    with pytest.raises(MatrixError, match="impact user must map urgencies"):
        validate_matrix(matrix)  # type: ignore[arg-type]


def test_matrix_error_is_a_value_error() -> None:
    assert issubclass(MatrixError, ValueError)
