"""Who may do what: roles and their capabilities, the caller, and which tickets a caller sees."""

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["admin", "supervisor", "agent", "integration", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "supervisor", "agent", "integration", "viewer")
Capability = Literal["read", "write", "manage", "import_history", "configure"]

# What a role may do. viewer reads; integration writes tickets but manages nothing; only admin
# manages keys, teams, agents and configuration.
CAPABILITIES: dict[str, frozenset[Capability]] = {
    "admin": frozenset({"read", "write", "manage", "import_history", "configure"}),
    "supervisor": frozenset({"read", "write"}),
    "agent": frozenset({"read", "write"}),
    "integration": frozenset({"read", "write", "import_history"}),
    "viewer": frozenset({"read"}),
}

CAPABILITY_WORDS: dict[Capability, str] = {
    "read": "read",
    "write": "write",
    "manage": "manage keys, teams and agents",
    "import_history": "import history",
    "configure": "configure SLAs",
}


def roles_with(capability: Capability) -> list[str]:
    """The roles that have `capability`, in the order of ROLES."""
    return [role for role in ROLES if capability in CAPABILITIES[role]]


@dataclass(frozen=True)
class Principal:
    """Who is calling: the API key, its role and the agent it acts as (if any)."""

    key_id: int
    name: str
    role: str
    agent_id: int | None

    def can(self, capability: Capability) -> bool:
        return capability in CAPABILITIES.get(self.role, frozenset())

    def refusal(self, capability: Capability) -> str | None:
        """Why the caller may not do `capability` (naming the roles that may), or None."""
        if self.can(capability):
            return None
        return (
            f"the role '{self.role}' may not {CAPABILITY_WORDS[capability]}; "
            f"this needs the role {' or '.join(repr(r) for r in roles_with(capability))}"
        )


SYSTEM = Principal(key_id=0, name="system", role="system", agent_id=None)


@dataclass(frozen=True)
class Visibility:
    """Which tickets a caller sees. `everything`, or those of `team_ids`, assigned to
    `agent_id`, or of `customer_id`."""

    everything: bool = False
    team_ids: frozenset[int] = field(default_factory=frozenset)
    agent_id: int | None = None
    customer_id: int | None = None


EVERYTHING = Visibility(everything=True)


def visibility(caller: Principal) -> Visibility:
    """The tickets `caller` sees. Every role sees every ticket for now; narrowing this (by team,
    assignee, integration scope, customer token) changes every list, read and write at once."""
    return EVERYTHING
