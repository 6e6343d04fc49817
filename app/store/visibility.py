"""Which tickets a caller sees, as SQL: the one predicate every ticket read, list, write and feed
of the store adds to its statement."""

from app.domain.access import Visibility
from app.store.paging import Params


def visible_sql(visible: Visibility, p: Params) -> str | None:
    """The one predicate that limits tickets to those a caller sees (None: no limit). Its
    column names are the tickets table's, unqualified: inside `ticket_id IN (SELECT id FROM
    tickets WHERE …)` they name the ticket's."""
    if visible.everything:
        return None
    alternatives = []
    if visible.team_ids:
        alternatives.append(f"team_id = ANY({p(sorted(visible.team_ids), 'bigint[]')})")
    if visible.agent_id is not None:
        agent = p(visible.agent_id, "bigint")
        # Escalated to them: the supervisor a hierarchical escalation names takes it over.
        alternatives.append(f"assignee_id = {agent} OR escalated_to_id = {agent}")
    if visible.customer_id is not None:
        alternatives.append(f"customer_id = {p(visible.customer_id, 'bigint')}")
    if visible.key_ids:
        alternatives.append(f"created_by_key_id = ANY({p(sorted(visible.key_ids), 'bigint[]')})")
    if visible.channels:
        alternatives.append(f"channel = ANY({p(sorted(visible.channels), 'text[]')})")
    return "(" + " OR ".join(alternatives) + ")" if alternatives else "false"
