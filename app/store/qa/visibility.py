"""Whose reviews a caller reads, as a predicate on review rows (SQL and Python alike)."""

from dataclasses import dataclass
from typing import Protocol

from app.store.paging import Params


class OfAgent(Protocol):
    """A row about one agent's work: a review."""

    @property
    def agent_id(self) -> int | None: ...

    @property
    def team_id(self) -> int | None: ...


@dataclass(frozen=True)
class ReviewVisibility:
    """Whose reviews a caller reads: all, or those of `agent_id` and of `team_ids`."""

    everything: bool = False
    agent_id: int | None = None
    team_ids: frozenset[int] = frozenset()


def review_limit(visible: ReviewVisibility, p: Params, alias: str = "") -> str | None:
    """The SQL condition on a review's `agent_id` and `team_id`; None: every review."""
    if visible.everything:
        return None
    alternatives = []
    if visible.agent_id is not None:
        alternatives.append(f"{alias}agent_id = {p(visible.agent_id, 'bigint')}")
    if visible.team_ids:
        alternatives.append(f"{alias}team_id = ANY({p(sorted(visible.team_ids), 'bigint[]')})")
    return "(" + " OR ".join(alternatives) + ")" if alternatives else "false"


def sees_review(visible: ReviewVisibility, review: OfAgent) -> bool:
    return (
        visible.everything
        or (visible.agent_id is not None and review.agent_id == visible.agent_id)
        or (review.team_id is not None and review.team_id in visible.team_ids)
    )
