"""Routing and assignment: which team a new ticket goes to, and which of its agents takes it."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Strategy = Literal["none", "round_robin", "least_open"]
STRATEGIES: tuple[Strategy, ...] = ("none", "round_robin", "least_open")
# A rule's conditions: each one given must hold (a list: any of its values).
CONDITIONS = (
    "category_prefix",
    "types",
    "channels",
    "languages",
    "organizations",
    "tags",
    "priorities",
)


@dataclass(frozen=True)
class TicketFacts:
    """What rules look at on a new ticket."""

    category: str | None
    type: str
    channel: str
    language: str | None
    organization: str | None
    tags: Sequence[str]
    priority: str


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    team_id: int
    tier: int | None
    conditions: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """Where a ticket goes and why."""

    team_id: int
    tier: int | None
    rule_id: int | None
    reason: str


def tier_contradiction(rule_tier: int | None, team_id: int, team_tier: int) -> str | None:
    """Why a rule's tier cannot stand beside its team's, or None: a routed ticket is at its
    team's tier, so a rule may only repeat it (or leave it out)."""
    if rule_tier is None or rule_tier == team_tier:
        return None
    return (
        f"team {team_id} is of tier {team_tier}: a rule routing to it places tickets at tier "
        f"{team_tier}, not {rule_tier} (leave tier out, or route to a team of tier {rule_tier})"
    )


def _language_matches(wanted: str, language: str | None) -> bool:
    # "nl" matches "nl-BE": a rule (or an agent's skill) names a language, a ticket a locale.
    if language is None:
        return False
    a, b = wanted.lower(), language.lower()
    return a == b or b.startswith(a + "-") or a.startswith(b + "-")


def why(conditions: Mapping[str, Any], ticket: TicketFacts) -> list[str] | None:
    """The conditions that hold, in words, when all of them do; None when one does not."""
    said: list[str] = []
    prefix = conditions.get("category_prefix")
    if prefix is not None:
        if not (ticket.category or "").lower().startswith(str(prefix).lower()):
            return None
        said.append(f"category starts with {prefix!r}")
    for name, value, word in (
        ("types", ticket.type, "type"),
        ("channels", ticket.channel, "channel"),
        ("priorities", ticket.priority, "priority"),
    ):
        wanted = conditions.get(name)
        if wanted:
            if value not in wanted:
                return None
            said.append(f"{word} {value}")
    # An organization is a name people type, like a category: its case does not matter.
    organizations = conditions.get("organizations")
    if organizations:
        name = (ticket.organization or "").casefold()
        if not ticket.organization or name not in {str(o).casefold() for o in organizations}:
            return None
        said.append(f"organization {ticket.organization}")
    languages = conditions.get("languages")
    if languages:
        if not any(_language_matches(w, ticket.language) for w in languages):
            return None
        said.append(f"language {ticket.language}")
    tags = conditions.get("tags")
    if tags:
        common = [t for t in tags if t in ticket.tags]
        if not common:
            return None
        said.append(f"tag {common[0]}")
    return said


def route(rules: Sequence[Rule], ticket: TicketFacts, default_team_id: int | None) -> Route | None:
    """The first rule (in order) whose conditions all hold; else the default team; else None."""
    for rule in rules:
        held = why(rule.conditions, ticket)
        if held is not None:
            because = ", ".join(held) if held else "matches every ticket"
            return Route(
                rule.team_id, rule.tier, rule.id, f"routing rule {rule.id} {rule.name!r}: {because}"
            )
    if default_team_id is not None:
        return Route(default_team_id, None, None, "no routing rule matched: the default team")
    return None


# ---- assignment inside a team -------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An active agent of the team, with what assignment looks at."""

    agent_id: int
    available: bool
    open_tickets: int
    capacity: int | None
    languages: Sequence[str]

    @property
    def has_room(self) -> bool:
        return self.capacity is None or self.open_tickets < self.capacity


def needs_counts(strategy: str, capacities: Sequence[int | None]) -> bool:
    """Whether choosing needs each agent's open tickets counted: least open does, and so does
    a capacity; plain round robin only rotates."""
    return strategy == "least_open" or any(c is not None for c in capacities)


def _speakers(candidates: Sequence[Candidate], language: str | None) -> list[Candidate]:
    """The available agents with room who speak `language`."""
    eligible = [c for c in candidates if c.available and c.has_room]
    return [c for c in eligible if any(_language_matches(x, language) for x in c.languages)]


def pool(candidates: Sequence[Candidate], language: str | None) -> list[Candidate]:
    """Who may take a new ticket, in id order: available agents with room, only those who speak
    the ticket's language when there are some."""
    eligible = [c for c in candidates if c.available and c.has_room]
    return sorted(_speakers(candidates, language) or eligible, key=lambda c: c.agent_id)


def turn_group(candidates: Sequence[Candidate], language: str | None) -> str:
    """Whose turns a round-robin ticket takes: each language whose speakers the pool is (by its
    primary subtag: "nl" for "nl-BE") has turns of its own, and the rest of the team's tickets
    share the team's ("")—so the English tickets of a team rotate over its English speakers
    whatever the Dutch ones do in between."""
    if language is None or not _speakers(candidates, language):
        return ""
    primary = language.split("-", 1)[0].lower()
    return "".join(ch for ch in primary if ch.isascii() and ch.isalnum())[:8]


def choose(
    strategy: str,
    candidates: Sequence[Candidate],
    *,
    language: str | None,
    turn: int | None,
) -> Candidate | None:
    """Who takes a new ticket (see `pool`): round robin the one whose turn it is (`turn`, the
    1-based count of `turn_group`'s turns), least open the one with the fewest open tickets.
    None: nobody (or strategy `none`)."""
    if strategy == "none":
        return None
    chosen = pool(candidates, language)
    if not chosen:
        return None
    if strategy == "least_open":
        return min(chosen, key=lambda c: (c.open_tickets, c.agent_id))
    return chosen[((turn or 1) - 1) % len(chosen)]
