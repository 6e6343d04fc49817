"""The ticket lifecycle: statuses, the transitions allowed between them, and what a transition implies."""

from dataclasses import dataclass
from typing import Literal

Status = Literal["new", "open", "pending", "on_hold", "resolved", "closed"]
STATUSES: tuple[Status, ...] = ("new", "open", "pending", "on_hold", "resolved", "closed")

# Work happens in new/open; pending waits on the customer, on_hold on a third party. Any live
# status may be closed directly (spam, duplicates); a resolved ticket can only reopen or close,
# and closed is final.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    "new": frozenset({"open", "pending", "on_hold", "resolved", "closed"}),
    "open": frozenset({"pending", "on_hold", "resolved", "closed"}),
    "pending": frozenset({"open", "on_hold", "resolved", "closed"}),
    "on_hold": frozenset({"open", "pending", "resolved", "closed"}),
    "resolved": frozenset({"open", "closed"}),
    "closed": frozenset(),
}

ACTIVE: frozenset[Status] = frozenset({"new", "open", "pending", "on_hold"})
DONE: frozenset[Status] = frozenset({"resolved", "closed"})


class TransitionError(ValueError):
    def __init__(self, current: str, target: str) -> None:
        self.current = current
        self.target = target
        self.allowed = sorted(TRANSITIONS.get(current, frozenset()))  # type: ignore[call-overload]
        allowed = ", ".join(self.allowed) if self.allowed else "none: the ticket is closed"
        super().__init__(f"cannot move a ticket from '{current}' to '{target}'; allowed: {allowed}")


@dataclass(frozen=True)
class Transition:
    """What moving from `current` to `target` means beyond the status itself."""

    current: Status
    target: Status
    is_reopen: bool
    resolves: bool
    closes: bool


def transition(current: Status, target: Status) -> Transition:
    """Check a status change; raises TransitionError naming the allowed targets."""
    if target not in TRANSITIONS or target not in TRANSITIONS[current]:
        raise TransitionError(current, target)
    return Transition(
        current=current,
        target=target,
        is_reopen=current == "resolved" and target in ACTIVE,
        resolves=target == "resolved",
        closes=target == "closed",
    )


def status_after_agent_reply(current: Status) -> Status:
    """A public agent reply takes a new ticket into work; other statuses are the agent's call."""
    return "open" if current == "new" else current


def status_after_customer_message(current: Status) -> Status:
    """The customer answering a ticket that waits on them puts it back into work."""
    return "open" if current == "pending" else current
