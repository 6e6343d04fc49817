"""Scorecard maths on worked examples, fair samples, and reviewers' agreement."""

from collections import Counter

import pytest

from app.domain.qa import (
    DEFAULT_SCORECARD,
    Criterion,
    Scorecard,
    ScorecardError,
    Section,
    check_answers,
    consensus,
    draw_sample,
    krippendorff_alpha,
    score,
    validate,
)

# Two sections: "call" (weights 1, 2, 1 on yes/no, 5-point, 3-point; the 3-point allows n/a)
# and "wrap" (weight 2 yes/no, weight 1 4-point), plus a weight-1 yes/no bonus.
CALL = Section(
    "call",
    "Call",
    (
        Criterion("greet", "Greeted", weight=1),
        Criterion("solve", "Solved", weight=2, scale="five_point"),
        Criterion("tone", "Tone", weight=1, scale="three_point", allow_na=True),
    ),
)
WRAP = Section(
    "wrap",
    "Wrap-up",
    (
        Criterion("tag", "Tagged", weight=2),
        Criterion("notes", "Notes", weight=1, scale="four_point"),
        Criterion("extra", "Went beyond", weight=1, bonus=True),
    ),
)
CARD = Scorecard((CALL, WRAP))
PERFECT = {"greet": 1, "solve": 4, "tone": 2, "tag": 1, "notes": 3, "extra": 0}


def with_critical(key: str, scope: str) -> Scorecard:
    sections = tuple(
        Section(
            s.key,
            s.label,
            tuple(
                Criterion(c.key, c.label, c.weight, c.scale, c.allow_na, scope, c.bonus)  # type: ignore[arg-type]
                if c.key == key
                else c
                for c in s.criteria
            ),
        )
        for s in CARD.sections
    )
    return Scorecard(sections)


def test_weights_make_the_score() -> None:
    # greet 1/1, solve 3/4 of 2 = 1.5, tone 1/2 of 1 = 0.5, tag 2, notes 2/3: 5.6667 of 7.
    answers = {**PERFECT, "solve": 3, "tone": 1, "notes": 2}
    result = score(CARD, answers)
    assert result.possible == 7
    assert result.score == pytest.approx(100 * (1 + 1.5 + 0.5 + 2 + 2 / 3) / 7, abs=1e-3)
    assert result.score == pytest.approx(80.9524, abs=1e-3)
    assert [s.score for s in result.sections] == [pytest.approx(75.0), pytest.approx(88.8889)]
    assert result.failed == ()


def test_na_leaves_the_criterion_out_of_the_denominator() -> None:
    # tone n/a: 6 possible; greet 0 → 2 + 2 + 1 = 5 of 6.
    result = score(CARD, {**PERFECT, "tone": None, "greet": 0})
    assert result.possible == 6
    assert result.score == pytest.approx(100 * 5 / 6, abs=1e-3)
    assert result.failed == ("greet",)


def test_na_is_refused_where_the_criterion_does_not_allow_it() -> None:
    with pytest.raises(ScorecardError) as refused:
        score(CARD, {**PERFECT, "greet": None})
    assert refused.value.field == "answers.greet"


def test_answers_must_cover_the_card_and_stay_on_the_scale() -> None:
    with pytest.raises(ScorecardError, match=r"answers\.notes"):
        check_answers(CARD, {k: v for k, v in PERFECT.items() if k != "notes"})
    with pytest.raises(ScorecardError, match="0 to 4"):
        check_answers(CARD, {**PERFECT, "solve": 5})
    with pytest.raises(ScorecardError, match="no such criterion"):
        check_answers(CARD, {**PERFECT, "smile": 1})


def test_a_critical_fail_of_scope_criterion_zeroes_only_itself() -> None:
    card = with_critical("tag", "criterion")
    result = score(card, {**PERFECT, "tag": 0})
    # 7 possible, tag's 2 lost: 5 of 7; the other section untouched.
    assert result.score == pytest.approx(100 * 5 / 7, abs=1e-3)
    assert result.sections[0].score == 100
    assert result.critical_failures == (("tag", "criterion"),)


def test_a_critical_fail_of_scope_section_zeroes_its_section() -> None:
    card = with_critical("tag", "section")
    result = score(card, {**PERFECT, "tag": 0, "extra": 1})
    # wrap zeroed (notes' 1 point lost too): call's 4 + bonus 1 = 5 of 7.
    assert result.sections[1].score == 0 and result.sections[1].zeroed
    assert result.sections[0].score == 100
    assert result.score == pytest.approx(100 * 5 / 7, abs=1e-3)


def test_a_critical_fail_of_scope_all_zeroes_the_review_bonus_included() -> None:
    card = with_critical("greet", "all")
    result = score(card, {**PERFECT, "greet": 0, "extra": 1})
    assert result.score == 0
    assert result.bonus == 0
    assert all(s.zeroed for s in result.sections)


def test_a_critical_criterion_passed_costs_nothing() -> None:
    card = with_critical("greet", "all")
    assert score(card, PERFECT).score == 100


def test_a_bonus_lifts_the_score_above_100() -> None:
    result = score(CARD, {**PERFECT, "extra": 1})
    assert result.score == pytest.approx(100 * 8 / 7, abs=1e-3)
    assert result.score > 100
    assert result.possible == 7  # the bonus is not in the denominator
    assert "extra" not in score(CARD, PERFECT).failed  # a bonus not earned is not a fail


def test_everything_na_has_no_score() -> None:
    card = Scorecard((Section("s", "S", (Criterion("a", "A", allow_na=True),)),))
    assert score(card, {"a": None}).score is None


def test_the_scorecard_itself_is_checked() -> None:
    bad_bonus = Scorecard(
        (Section("s", "S", (Criterion("a", "A"), Criterion("b", "B", bonus=True, critical="all"))),)
    )
    with pytest.raises(ScorecardError, match="cannot be critical"):
        validate(bad_bonus)
    twice = Scorecard((CALL, Section("x", "X", (Criterion("greet", "again"),))))
    with pytest.raises(ScorecardError) as refused:
        validate(twice)
    assert refused.value.field == "sections[1].criteria[0].key"
    only_bonus = Scorecard((Section("s", "S", (Criterion("b", "B", bonus=True),)),))
    with pytest.raises(ScorecardError, match="not a bonus"):
        validate(only_bonus)
    with pytest.raises(ScorecardError, match="weight"):
        validate(Scorecard((Section("s", "S", (Criterion("a", "A", weight=0),)),)))


def test_the_built_in_scorecard_carries_the_checklist() -> None:
    validate(DEFAULT_SCORECARD)
    keys = set(DEFAULT_SCORECARD.criteria())
    assert {
        "greeting",
        "customer_name",
        "empathy",
        "no_jargon",
        "several_solutions",
        "time_estimate",
        "answered_all",
        "self_help",
        "positive_tone",
        "anything_else",
        "thanks",
        "resolution",
        "updated_daily",
        "tagged",
    } <= keys


# ---- fair samples --------------------------------------------------------------------------


def test_a_sample_is_reproducible_for_its_seed_whatever_the_order_read() -> None:
    population = {7: list(range(100, 140)), 3: list(range(200, 205)), 9: [300]}
    shuffled = {9: [300], 3: [204, 203, 202, 201, 200], 7: list(reversed(range(100, 140)))}
    first = draw_sample(population, 4, seed=1234)
    assert first == draw_sample(shuffled, 4, seed=1234)
    assert [len(first[a]) for a in (3, 7, 9)] == [4, 4, 1]  # fewer eligible: all of them
    assert draw_sample(population, 4, seed=1235) != first


def test_a_sample_is_uniform_over_each_agents_tickets() -> None:
    """Chi-squared with fixed seeds: agent 1 has 20 eligible tickets, agent 2 has 8; 3 of each
    are drawn per round, 4000 rounds. Each of agent 1's tickets should be drawn 600 times (19
    degrees of freedom: the 99.9 % critical value is 43.82), each of agent 2's 1500 (7 degrees
    of freedom: 24.32). Every round gives each agent exactly 3."""
    first, second = list(range(1, 21)), list(range(101, 109))
    counts: dict[int, Counter[int]] = {1: Counter(), 2: Counter()}
    rounds = 4000
    for seed in range(rounds):
        drawn = draw_sample({1: first, 2: second}, 3, seed=seed)
        assert len(drawn[1]) == len(drawn[2]) == 3
        for agent in (1, 2):
            counts[agent].update(drawn[agent])
    for agent, tickets, critical in ((1, first, 43.82), (2, second, 24.32)):
        expected = rounds * 3 / len(tickets)
        chi2 = sum((counts[agent][t] - expected) ** 2 / expected for t in tickets)
        assert chi2 < critical, (agent, chi2)


# ---- reviewers' agreement ------------------------------------------------------------------

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the worked example of
# section C: 4 observers, 12 units, missing values; alpha nominal 0.743, ordinal 0.815,
# interval 0.849.
K2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def units(by_reviewer: list[list[float | None]]) -> list[list[float | None]]:
    return [list(column) for column in zip(*by_reviewer, strict=True)]


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_alpha_matches_the_published_example(level: str, published: float) -> None:
    assert krippendorff_alpha(units(K2011), level) == pytest.approx(published, abs=1e-3)  # type: ignore[arg-type]


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_alpha_matches_the_reference_implementation(level: str) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    np = pytest.importorskip("numpy")
    examples = [
        K2011,
        [[1, 0, 1, 1, 0, 1], [1, 0, 0, 1, 0, 1], [1, 1, 1, 1, 0, None]],
        [[4, 3, 4, 2, 1, 0, 3], [3, 3, 4, 2, 2, 0, 3], [4, 2, 3, 2, 1, 1, None]],
    ]
    for example in examples:
        data = np.array([[np.nan if v is None else v for v in row] for row in example], float)
        reference = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
        ours = krippendorff_alpha(units(example), level)  # type: ignore[arg-type]
        assert ours == pytest.approx(reference, abs=1e-9)


def test_alpha_is_undefined_without_disagreement_possible() -> None:
    assert krippendorff_alpha([[1, 1], [1, 1]]) is None
    assert krippendorff_alpha([[1], [2]]) is None  # nothing pairable
    assert krippendorff_alpha([[1, 0], [0, 1]], "nominal") == pytest.approx(-0.5)


def test_consensus_is_the_median() -> None:
    assert consensus([1, 3, 2]) == 2
    assert consensus([0, 1, 1, 0]) == 0.5
