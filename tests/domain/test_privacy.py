"""Redacting personal data: what counts as a mention, and what a redacted value keeps."""

from app.domain.privacy import ERASED, mentions, scrub_tags, scrub_text, scrub_value

PERSONAL = mentions(["Ada Lovelace", "ada@example.com", "Al", None, " ", ERASED])


def test_blanks_and_the_marker_are_not_personal() -> None:
    assert frozenset({"ada lovelace", "ada@example.com", "al"}) == PERSONAL


def test_a_mention_is_found_whatever_its_case_but_a_short_value_only_whole() -> None:
    assert scrub_text("Call ADA LOVELACE back", PERSONAL) == ERASED
    assert scrub_text("Also fine", PERSONAL) == "Also fine"
    assert scrub_text("AL", PERSONAL) == ERASED
    assert scrub_text(None, PERSONAL) is None


def test_a_history_value_keeps_its_keys_and_what_is_not_personal() -> None:
    value = {"status": "new", "subject": "Printer", "customer": {"name": "X", "email": None}}
    assert scrub_value(value, PERSONAL) == {
        "status": "new",
        "subject": ERASED,
        "customer": {"name": ERASED, "email": None},
    }
    assert scrub_value("open", PERSONAL, field="status") == "open"
    assert scrub_value("Printer", PERSONAL, field="subject") == ERASED
    assert scrub_value(["to ada@example.com", 3], PERSONAL) == [ERASED, 3]


def test_tags_that_mention_a_person_are_dropped() -> None:
    assert scrub_tags(["vip", "ada lovelace"], PERSONAL) == ["vip"]
