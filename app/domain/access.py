"""Who may do what: roles and their capabilities, the caller, and which tickets a caller sees."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Role = Literal["admin", "supervisor", "agent", "integration", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "supervisor", "agent", "integration", "viewer")
Capability = Literal[
    "read",
    "write",
    "manage",
    "import_history",
    "configure",
    "issue_customer_tokens",
    "supervise",
]

# What a role may do. viewer reads; integration writes tickets but manages nothing; only admin
# manages keys, teams, agents and configuration.
CAPABILITIES: dict[str, frozenset[Capability]] = {
    "admin": frozenset(
        {
            "read",
            "write",
            "manage",
            "import_history",
            "configure",
            "issue_customer_tokens",
            "supervise",
        }
    ),
    # supervise: de-escalate, acknowledge hierarchical escalations, routing rules.
    "supervisor": frozenset({"read", "write", "supervise"}),
    "agent": frozenset({"read", "write"}),
    "integration": frozenset({"read", "write", "import_history", "issue_customer_tokens"}),
    "viewer": frozenset({"read"}),
}

CAPABILITY_WORDS: dict[Capability, str] = {
    "read": "read",
    "write": "write",
    "manage": "manage keys, teams and agents",
    "import_history": "import history",
    "configure": "configure SLAs",
    "issue_customer_tokens": "issue customer portal tokens",
    "supervise": "supervise (de-escalate, edit routing rules)",
}


def roles_with(capability: Capability) -> list[str]:
    """The roles that have `capability`, in the order of ROLES."""
    return [role for role in ROLES if capability in CAPABILITIES[role]]


@dataclass(frozen=True)
class Principal:
    """Who is calling: the API key (or customer token), its role, the agent it acts as and
    what narrows the tickets it sees. Loaded once at authentication and cached with the key."""

    key_id: int
    name: str
    role: str
    agent_id: int | None
    # The agent's team(s): an agent or supervisor sees their tickets.
    team_ids: frozenset[int] = frozenset()
    # This key and every key it rotated: "own" tickets are those any of them created.
    lineage: frozenset[int] = frozenset()
    # An integration key's scope: channel names and/or "own"; None: every ticket.
    scope: frozenset[str] | None = None
    # A customer portal token: the one customer whose tickets it may see.
    customer_id: int | None = None
    expires_at: datetime | None = None

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

CUSTOMER = "customer"  # the role of a customer portal token
OWN = "own"  # the scope item: the tickets the key (or a key it rotated) created


@dataclass(frozen=True)
class Visibility:
    """Which tickets a caller sees: `everything`, or those of `team_ids`, assigned to
    `agent_id` or escalated to them (the supervisor a hierarchical escalation names), of
    `customer_id`, created by one of `key_ids`, or on one of `channels`."""

    everything: bool = False
    team_ids: frozenset[int] = field(default_factory=frozenset)
    agent_id: int | None = None
    customer_id: int | None = None
    key_ids: frozenset[int] = field(default_factory=frozenset)
    channels: frozenset[str] = field(default_factory=frozenset)
    # Events about the desk rather than a ticket (an article published, a report ready): the
    # staff's, never a customer's nor an integration's limited to some tickets.
    desk: bool = True


EVERYTHING = Visibility(everything=True)


@dataclass(frozen=True, slots=True)
class TicketScope:
    """What of a ticket decides who sees it: the columns `Visibility` is matched against."""

    team_id: int | None = None
    assignee_id: int | None = None
    escalated_to_id: int | None = None
    customer_id: int | None = None
    created_by_key_id: int | None = None
    channel: str | None = None


def sees(visible: Visibility, ticket: TicketScope) -> bool:
    """Whether `visible` takes in `ticket`: the predicate the store writes as SQL
    (app/store/visibility.py), for what is filtered in memory (a live stream's events)."""
    if visible.everything:
        return True
    agent = visible.agent_id
    return (
        ticket.team_id in visible.team_ids
        or (agent is not None and agent in (ticket.assignee_id, ticket.escalated_to_id))
        or (visible.customer_id is not None and ticket.customer_id == visible.customer_id)
        or ticket.created_by_key_id in visible.key_ids
        or ticket.channel in visible.channels
    )


def visibility(caller: Principal) -> Visibility:
    """The tickets `caller` sees; every list, read and write of tickets goes through it.

    admin, viewer (and the system): all. agent: their team's, those assigned to them, and those
    their key created. supervisor: the same (their team's, and what is theirs), and those
    escalated to them from any team, which they must see to take over. A key of either
    role tied to no agent: only what it created. integration: what its scope names (channels,
    "own"), all when it has none. A customer token: that customer's tickets."""
    if caller.customer_id is not None:
        return Visibility(customer_id=caller.customer_id, desk=False)
    if caller.role in ("agent", "supervisor"):
        return Visibility(
            team_ids=caller.team_ids, agent_id=caller.agent_id, key_ids=caller.lineage
        )
    if caller.role == "integration" and caller.scope is not None:
        return Visibility(
            channels=frozenset(s for s in caller.scope if s != OWN),
            key_ids=caller.lineage if OWN in caller.scope else frozenset(),
            desk=False,
        )
    return EVERYTHING


# ---- customer portal tokens ------------------------------------------------------------------

# All a portal may do with a customer's token: list and read that customer's tickets, read
# their public interactions, add a reply and answer a survey about one of the tickets, follow
# their tickets' public events live.
PORTAL_OPERATIONS = frozenset(
    {"tickets_list", "tickets_get", "interactions_list", "interactions_create", "surveys_create"}
    | {"events_stream"}
    | {"kb_search", "kb_articles_list", "kb_articles_get", "kb_searches_opened"}
    | {"attachments_create", "attachments_download"}
)
PORTAL_WORDS = (
    "a customer token may only list and read its customer's tickets, list their public "
    "interactions (public_only=true), add a reply (with files it uploaded), download the files "
    "of public interactions, answer a survey and follow its tickets' public events "
    "(GET /v1/events/stream)"
)
# A reply from the portal is the customer's own public message, whatever the body leaves out.
CUSTOMER_REPLY = {"author_type": "customer", "direction": "inbound", "public": True}
CUSTOMER_REPLY_KINDS = frozenset({"email", "chat", "sms"})
# What a customer cannot say about their reply: who wrote it or when.
CUSTOMER_REPLY_FORBIDDEN = ("author_name", "occurred_at", "duration_seconds")


def portal_refusal(operation_id: str | None) -> str | None:
    """Why a customer token may not call `operation_id`, or None."""
    return None if operation_id in PORTAL_OPERATIONS else PORTAL_WORDS


def customer_reply_refusal(body: dict[str, object], customer_id: int) -> str | None:
    """Why `body` (a new interaction's JSON) is not a reply the customer may add, or None.
    Fields it leaves out take the customer's values (CUSTOMER_REPLY): fill them first."""
    for name, wanted in CUSTOMER_REPLY.items():
        if body.get(name, wanted) != wanted:
            return f"a customer's reply has {name} {wanted!r}"
    kind = body.get("kind")
    if kind is not None and kind not in CUSTOMER_REPLY_KINDS:
        return f"a customer's reply is one of {', '.join(sorted(CUSTOMER_REPLY_KINDS))}"
    given = [name for name in CUSTOMER_REPLY_FORBIDDEN if name in body]
    if given:
        return f"a customer's reply does not set {', '.join(given)}"
    if body.get("author_id", customer_id) != customer_id:
        return "a customer replies as themselves"
    return None
