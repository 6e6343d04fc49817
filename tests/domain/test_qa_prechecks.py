"""Automatic QA pre-checks on worked examples: the ticket's facts, and replies in five languages."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.qa_prechecks import (
    Reply,
    Suggestion,
    TicketFacts,
    fact_checks,
    fold,
    greek_vocatives,
    languages_of,
    run,
    text_checks,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def facts(
    *bodies: str, language: str | None = "en", name: str | None = "Anna Smith", **kw: object
) -> TicketFacts:
    base = TicketFacts(
        created_at=T0,
        resolved_at=T0 + 10 * H,
        closed_at=None,
        first_responded_at=T0 + H,
        first_response_due_at=T0 + 4 * H,
        tags=("billing",),
        category="Invoices",
        language=language,
        customer_name=name,
        agent_reply_count=len(bodies),
        reopen_count=0,
        escalations=0,
        transfers=0,
        replies=tuple(Reply(i + 1, T0 + (i + 1) * H, b) for i, b in enumerate(bodies)),
        linked_articles=(),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def by_check(found: list[Suggestion]) -> dict[str, Suggestion]:
    return {s.check: s for s in found}


def verdicts(*bodies: str, language: str, name: str) -> dict[str, bool | None]:
    return {s.check: s.passed for s in text_checks(facts(*bodies, language=language, name=name))}


# ---- text checks, per language -------------------------------------------------------------


def test_english_reply_that_does_everything() -> None:
    got = verdicts(
        "Hello Anna, thank you for your patience. The refund reaches you within 3 business days."
        " Is there anything else I can help with?",
        language="en",
        name="Anna Smith",
    )
    assert got == {
        "greeting": True,
        "thanks": True,
        "time_estimate": True,
        "anything_else": True,
        "customer_name": True,
        "no_blame": True,
    }


def test_english_blame_is_found_with_its_evidence() -> None:
    found = by_check(
        text_checks(facts("Hi, you should have read the manual. It's your fault.", language="en"))
    )
    assert found["no_blame"].passed is False
    assert "your fault" in found["no_blame"].evidence  # the first phrase of the list found
    assert found["no_blame"].interaction_id == 1
    assert found["thanks"].passed is False
    assert found["customer_name"].passed is False
    assert found["time_estimate"].passed is False


def test_greeting_is_read_in_the_first_reply_only() -> None:
    found = by_check(
        text_checks(facts("The part is ordered.", "Hello again, done.", language="en"))
    )
    assert found["greeting"].passed is False
    # "hi" inside a word is no greeting.
    assert (
        by_check(text_checks(facts("This ships today.", language="en")))["greeting"].passed is False
    )


def test_dutch() -> None:
    got = verdicts(
        "Goedemorgen Pieter, hartelijk dank voor uw bericht. U ontvangt binnen 2 werkdagen een"
        " nieuwe factuur. Kan ik u nog ergens mee helpen, heeft u nog vragen?",
        language="nl",
        name="Pieter de Vries",
    )
    assert got == {k: True for k in got}
    blamed = by_check(text_checks(facts("Dat is uw schuld.", language="nl", name="Pieter")))
    assert blamed["no_blame"].passed is False
    assert blamed["greeting"].passed is False


def test_greek_name_in_its_vocative_form() -> None:
    assert {"Γιώργο", "Γιώργε"} <= greek_vocatives("Γιώργος")
    assert "Δημήτρη" in greek_vocatives("Δημήτρης")
    assert "Κώστα" in greek_vocatives("Κώστας")
    assert "Παπαδόπουλε" in greek_vocatives("Παπαδόπουλος")
    got = verdicts(
        "Καλημέρα Γιώργο, σας ευχαριστούμε για την υπομονή σας. Η επισκευή θα γίνει αύριο."
        " Μπορώ να βοηθήσω σε κάτι άλλο;",
        language="el",
        name="Γιώργος Παπαδόπουλος",
    )
    assert got == {k: True for k in got}
    # Written without accents, as people often do in Greek: still the name and the greeting.
    plain = verdicts("Καλημερα Γιωργο, ευχαριστω.", language="el", name="Γιώργος")
    assert plain["customer_name"] and plain["greeting"] and plain["thanks"]
    # The nominative is a name too, but a different name is not.
    assert verdicts("Γεια σας Νίκο.", language="el", name="Γιώργος")["customer_name"] is False


def test_hungarian_thanks() -> None:
    got = verdicts(
        "Kedves Kovács Anna! Köszönjük türelmét. A csere 2 munkanapon belül megtörténik."
        " Van még valami, amiben segíthetek?",
        language="hu",
        name="Kovács Anna",
    )
    assert got == {k: True for k in got}
    assert verdicts("Rendben, elintéztem.", language="hu", name="Anna")["thanks"] is False
    assert verdicts("Köszönöm!", language="hu", name="Anna")["thanks"] is True
    assert verdicts("Ez az ön hibája.", language="hu", name="Anna")["no_blame"] is False


def test_thai_greeting_without_word_spaces() -> None:
    got = verdicts(
        "สวัสดีครับคุณสมชาย ขอบคุณที่รอครับ ช่างจะไปถึงภายใน2ชั่วโมง มีอะไรอีกไหมครับ",
        language="th",
        name="สมชาย ใจดี",
    )
    assert got == {k: True for k in got}
    assert verdicts("ได้รับเรื่องแล้วครับ", language="th", name="สมชาย")["greeting"] is False
    assert verdicts("นี่เป็นความผิดของคุณ", language="th", name="สมชาย")["no_blame"] is False


def test_a_ticket_in_no_known_language_is_read_in_all_of_them() -> None:
    assert languages_of("fr") == ("en", "nl", "el", "hu", "th")
    assert languages_of("nl-BE") == ("nl",)
    assert verdicts("สวัสดีครับ", language="fr", name="X Y")["greeting"] is True


def test_no_public_reply_means_the_text_checks_cannot_tell() -> None:
    assert all(s.passed is None for s in text_checks(facts(language="en")))


def test_fold_drops_accents_but_keeps_thai_marks() -> None:
    assert fold("Καλημέρα ΓΙΏΡΓΟ") == "καλημερα γιωργο"
    assert fold("ที่") == "ที่"


# ---- facts ---------------------------------------------------------------------------------


def test_a_gap_over_24_hours_between_public_updates_fails() -> None:
    ok = by_check(fact_checks(facts("a", "b"), T0 + 20 * H))
    assert ok["update_gap"].passed is True
    late = facts("a", resolved_at=T0 + 40 * H)  # one reply at T0+1h, resolved 39 h later
    found = by_check(fact_checks(late, T0 + 50 * H))
    assert found["update_gap"].passed is False
    assert "39.0 h" in found["update_gap"].evidence


def test_first_response_within_its_sla() -> None:
    assert by_check(fact_checks(facts("a"), T0))["first_response_sla"].passed is True
    late = facts("a", first_responded_at=T0 + 5 * H)
    assert by_check(fact_checks(late, T0))["first_response_sla"].passed is False
    none = facts(first_responded_at=None, first_response_due_at=None)
    assert by_check(fact_checks(none, T0))["first_response_sla"].passed is None
    overdue = facts(first_responded_at=None)
    assert by_check(fact_checks(overdue, T0 + 5 * H))["first_response_sla"].passed is False


def test_tags_and_category_present() -> None:
    assert by_check(fact_checks(facts("a"), T0))["tagged"].passed is True
    found = by_check(fact_checks(facts("a", tags=(), category=None), T0))["tagged"]
    assert found.passed is False and found.evidence == "missing: tags, category"


def test_resolved_at_first_contact_or_escalated() -> None:
    one = by_check(fact_checks(facts("a"), T0 + 20 * H))
    assert one["resolved_first_contact"].passed is True
    assert one["resolved_or_escalated"].passed is True
    three = by_check(fact_checks(facts("a", "b", "c"), T0 + 20 * H))
    assert three["resolved_first_contact"].passed is False
    assert three["resolved_or_escalated"].passed is False
    moved = by_check(fact_checks(facts("a", "b", "c", transfers=1), T0 + 20 * H))
    assert moved["escalated_or_transferred"].passed is True
    assert moved["resolved_or_escalated"].passed is True


def test_a_knowledge_base_article_linked() -> None:
    none = by_check(fact_checks(facts("a"), T0))["kb_article_linked"]
    assert none.passed is False and none.evidence == "no knowledge-base article linked"
    two = by_check(fact_checks(facts("a", linked_articles=(7, 3)), T0))["kb_article_linked"]
    assert two.passed is True and two.evidence == "article(s) 7, 3 linked"


@pytest.mark.parametrize("language", ["en", "nl", "el", "hu", "th"])
def test_every_check_runs_in_every_language(language: str) -> None:
    found = run(facts("x", language=language), T0 + 20 * H)
    assert len({s.check for s in found}) == len(found) == 13
