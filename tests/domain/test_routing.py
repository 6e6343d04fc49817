"""Routing tables and assignment choices, without a database."""

from dataclasses import replace

from app.domain.routing import Candidate, Rule, TicketFacts, choose, route, turn_group

TICKET = TicketFacts(
    category="Billing/Invoice",
    type="incident",
    channel="email",
    language="nl-BE",
    organization="Acme",
    tags=("vip",),
    priority="high",
)

ROUTES = [
    # (conditions, matches TICKET)
    ({}, True),
    ({"category_prefix": "billing"}, True),
    ({"category_prefix": "network"}, False),
    ({"languages": ["nl"]}, True),
    ({"languages": ["de", "fr"]}, False),
    ({"types": ["incident", "problem"], "channels": ["email"]}, True),
    ({"types": ["question"]}, False),
    ({"tags": ["gold", "vip"]}, True),
    ({"tags": ["gold"]}, False),
    ({"priorities": ["critical"]}, False),
    ({"organizations": ["Acme"], "priorities": ["high"]}, True),
]


def test_each_condition_decides_as_the_table_says() -> None:
    for conditions, expected in ROUTES:
        found = route([Rule(1, "r", 7, None, conditions)], TICKET, None)
        assert (found is not None) == expected, conditions


def test_the_first_matching_rule_wins_and_its_reason_names_what_held() -> None:
    rules = [
        Rule(1, "German", 10, None, {"languages": ["de"]}),
        Rule(2, "Dutch billing", 20, 2, {"category_prefix": "billing", "languages": ["nl"]}),
        Rule(3, "All", 30, None, {}),
    ]
    found = route(rules, TICKET, default_team_id=99)
    assert found is not None
    assert (found.team_id, found.tier, found.rule_id) == (20, 2, 2)
    assert "'Dutch billing'" in found.reason and "language nl-BE" in found.reason
    assert "category starts with 'billing'" in found.reason


def test_no_rule_matching_means_the_default_team_or_none() -> None:
    rules = [Rule(1, "German", 10, None, {"languages": ["de"]})]
    default = route(rules, TICKET, default_team_id=99)
    assert default is not None and (default.team_id, default.rule_id) == (99, None)
    assert "default team" in default.reason
    assert route(rules, TICKET, default_team_id=None) is None


def agent(agent_id: int, open_tickets: int = 0, **kw: object) -> Candidate:
    fields = {"available": True, "capacity": None, "languages": ()} | kw
    return Candidate(agent_id=agent_id, open_tickets=open_tickets, **fields)  # type: ignore[arg-type]


def test_round_robin_goes_to_the_agent_whose_turn_it_is_and_wraps() -> None:
    team = [agent(3), agent(5), agent(8)]
    assert choose("round_robin", team, language=None, turn=1).agent_id == 3  # type: ignore[union-attr]
    assert choose("round_robin", team, language=None, turn=3).agent_id == 8  # type: ignore[union-attr]
    assert choose("round_robin", team, language=None, turn=4).agent_id == 3  # type: ignore[union-attr]


def test_each_language_spoken_in_the_team_has_turns_of_its_own() -> None:
    team = [agent(1, languages=("en",)), agent(2, languages=("en",)), agent(3, languages=("nl",))]
    assert turn_group(team, "en-GB") == "en" and turn_group(team, "nl") == "nl"
    assert turn_group(team, "fr") == "" and turn_group(team, None) == ""
    away = [agent(1, available=False, languages=("de",)), agent(2)]
    assert turn_group(away, "de") == ""  # nobody able to take it speaks it


def test_away_full_and_strategy_none_assign_nobody() -> None:
    assert choose("round_robin", [agent(1, available=False)], language=None, turn=None) is None
    assert choose("least_open", [agent(1, 3, capacity=3)], language=None, turn=None) is None
    assert choose("none", [agent(1)], language=None, turn=None) is None


def test_a_speaker_of_the_ticket_language_is_preferred_when_there_is_one() -> None:
    team = [agent(1, languages=("en",)), agent(2, 9, languages=("nl",))]
    assert choose("least_open", team, language="nl-NL", turn=None).agent_id == 2  # type: ignore[union-attr]
    assert choose("least_open", team, language="fr", turn=None).agent_id == 1  # type: ignore[union-attr]


def test_organizations_match_whatever_their_case_like_categories() -> None:
    rules = [Rule(1, "Acme", 10, None, {"organizations": ["ACME Corp"]})]
    facts = TicketFacts(
        category=None,
        type="incident",
        channel="email",
        language=None,
        organization="acme corp",
        tags=(),
        priority="medium",
    )
    found = route(rules, facts, default_team_id=None)
    assert found is not None and found.rule_id == 1 and "organization acme corp" in found.reason
    other = route(rules, replace(facts, organization="Acme Ltd"), default_team_id=None)
    assert other is None
