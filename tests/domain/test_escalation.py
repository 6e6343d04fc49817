"""Escalation rules without a database: tiers, the matrix, acknowledgement times."""

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.escalation import (
    EscalationRefused,
    MatrixError,
    acknowledgement_times,
    check_functional,
    kind_of_move,
    lower_tier,
    next_tier,
    triggered,
    validate_matrix,
)


def test_tiers_climb_one_at_a_time_and_stop_at_the_top() -> None:
    assert (next_tier(1), next_tier(2)) == (2, 3)
    with pytest.raises(EscalationRefused, match="top tier"):
        next_tier(3)
    with pytest.raises(EscalationRefused, match="transfer"):
        check_functional(2, 2)


def test_a_team_change_is_named_by_the_tiers_it_crosses() -> None:
    assert [kind_of_move(1, 2), kind_of_move(2, 2), kind_of_move(3, 1)] == [
        "functional",
        "transfer",
        "deescalation",
    ]


def test_deescalation_goes_down_and_not_below_the_first_tier() -> None:
    assert (lower_tier(3, None), lower_tier(3, 1)) == (2, 1)
    with pytest.raises(EscalationRefused, match="no lower tier"):
        lower_tier(1, None)
    with pytest.raises(EscalationRefused):
        lower_tier(2, 2)


def test_the_first_matrix_rule_that_applies_decides() -> None:
    rules = validate_matrix(
        [
            {
                "priority": "critical",
                "metric": "first_response",
                "on": "warning",
                "action": "hierarchical",
            },
            {"priority": "any", "metric": "resolution", "on": "breach", "action": "functional"},
            {"priority": "any", "metric": "any", "on": "breach", "action": "hierarchical"},
        ]
    )
    assert triggered(rules, "critical", "first_response", "warning").action == "hierarchical"  # type: ignore[union-attr]
    assert triggered(rules, "low", "first_response", "warning") is None
    assert triggered(rules, "low", "resolution", "breach").action == "functional"  # type: ignore[union-attr]
    assert triggered(rules, "high", "next_update", "breach").action == "hierarchical"  # type: ignore[union-attr]
    assert "critical + first_response warning" in rules[0].explain()


def test_a_matrix_with_bad_values_or_a_repeated_condition_is_refused_whole() -> None:
    with pytest.raises(MatrixError) as refused:
        validate_matrix(
            [
                {
                    "priority": "urgent",
                    "metric": "resolution",
                    "on": "breach",
                    "action": "functional",
                },
                {"priority": "any", "metric": "resolution", "on": "breach", "action": "functional"},
                {
                    "priority": "any",
                    "metric": "resolution",
                    "on": "breach",
                    "action": "hierarchical",
                },
            ]
        )
    assert "rules[0].priority" in str(refused.value) and "rules[2]: repeats" in str(refused.value)


def test_the_reminder_comes_halfway_and_the_escalation_at_the_target() -> None:
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert acknowledgement_times(t0, 3600) == (t0 + timedelta(minutes=30), t0 + timedelta(hours=1))
