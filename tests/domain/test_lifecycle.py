"""The lifecycle table as pure rules."""

import pytest

from app.domain.lifecycle import (
    STATUSES,
    TRANSITIONS,
    TransitionError,
    status_after_agent_reply,
    status_after_customer_message,
    transition,
)


def test_closed_is_final() -> None:
    for target in STATUSES:
        with pytest.raises(TransitionError) as err:
            transition("closed", target)
        assert err.value.allowed == []


def test_every_live_status_can_be_resolved_and_closed() -> None:
    for current in ("new", "open", "pending", "on_hold"):
        assert transition(current, "resolved").resolves
        assert transition(current, "closed").closes


def test_reopen_only_from_resolved() -> None:
    assert transition("resolved", "open").is_reopen
    assert not transition("pending", "open").is_reopen
    with pytest.raises(TransitionError) as err:
        transition("resolved", "pending")
    assert err.value.allowed == ["closed", "open"]
    assert "allowed: closed, open" in str(err.value)


def test_nothing_returns_to_new() -> None:
    assert all("new" not in targets for targets in TRANSITIONS.values())


def test_unknown_target_is_refused() -> None:
    with pytest.raises(TransitionError):
        transition("open", "archived")  # type: ignore[arg-type]


def test_replies_move_status() -> None:
    assert status_after_agent_reply("new") == "open"
    assert status_after_agent_reply("pending") == "pending"
    assert status_after_customer_message("pending") == "open"
    assert status_after_customer_message("on_hold") == "on_hold"
