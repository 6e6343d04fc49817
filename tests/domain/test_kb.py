"""Knowledge base rules without a database: Thai segmentation, the configurations, an article's
life and who sees it, the translation fallback chain, revision diffs and rendering."""

from datetime import UTC, datetime, timedelta

from app.domain import kb
from app.domain.access import CUSTOMER, Principal

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def test_thai_is_cut_into_words_and_other_text_is_left_alone() -> None:
    assert kb.segment("ลืมรหัสผ่านเข้าสู่ระบบ") == "ลืม รหัสผ่าน เข้าสู่ระบบ"
    assert kb.segment("Reset your password") == "Reset your password"
    # Mixed text: the Thai run is cut, the rest kept.
    assert kb.segment("VPN เชื่อมต่อไม่ได้") == "VPN เชื่อมต่อ ไม่ ได้"


def test_a_query_and_a_document_are_cut_the_same_way() -> None:
    document = kb.words_of("th", "หากคุณลืมรหัสผ่าน ให้กดปุ่มรีเซ็ต")
    query = kb.words_of("th", "ลืมรหัสผ่าน")
    assert set(query.split()) <= set(document.split())


def test_each_language_has_its_configuration_and_others_are_simple() -> None:
    assert [kb.config_for(t) for t in ("en-GB", "nl-BE", "el", "HU", "th", "fr")] == [
        "english",
        "dutch",
        "greek",
        "hungarian",
        "simple",
        "simple",
    ]
    assert kb.plan_search("printer", "nl-BE").configs == ("dutch",)
    assert kb.plan_search("printer", None).configs == kb.ALL_CONFIGS
    assert kb.plan_search("vp", "en").full_text is False
    assert kb.plan_search("vpn", "en").full_text is True


def test_indexed_text_keeps_the_segmented_body_only_when_it_differs() -> None:
    assert kb.indexed_text("en", "T", None, "Body").segmented_body is None
    thai = kb.indexed_text("th", "ลืมรหัสผ่าน", None, "ลืมรหัสผ่าน")
    assert thai.config == "simple" and thai.segmented_body == "ลืม รหัสผ่าน"


def test_an_article_moves_draft_published_archived_and_back_to_draft_only() -> None:
    assert kb.transition_refusal("draft", "published") is None
    assert kb.transition_refusal("published", "archived") is None
    assert kb.transition_refusal("archived", "draft") is None
    assert kb.transition_refusal("archived", "published") == (
        "a archived article may become draft, not published"
    )


def test_a_scheduled_article_is_published_from_publish_at_exactly() -> None:
    at = NOW + timedelta(hours=1)
    assert kb.shown_status("published", at, NOW) == "scheduled"
    assert kb.shown_status("published", at, at) == "published"
    assert kb.shown_status("draft", at, at) == "draft"


def _article(**overrides: object) -> kb.ArticleFacts:
    fields: dict[str, object] = {
        "status": "published",
        "visibility": "public",
        "publish_at": None,
        "owner_team_id": 7,
        "author_key_id": 11,
        "author_agent_id": 3,
    } | overrides
    return kb.ArticleFacts(**fields)  # type: ignore[arg-type]


def _caller(role: str, **overrides: object) -> Principal:
    fields: dict[str, object] = {"key_id": 99, "name": "k", "role": role, "agent_id": None}
    return Principal(**(fields | overrides))  # type: ignore[arg-type]


def test_who_sees_which_article() -> None:
    customer = kb.reader_of(_caller(CUSTOMER, key_id=0, customer_id=5))
    agent = kb.reader_of(_caller("agent", agent_id=4, team_ids=frozenset({8})))
    author = kb.reader_of(_caller("agent", agent_id=3))
    teammate = kb.reader_of(_caller("agent", agent_id=5, team_ids=frozenset({7})))
    same_key = kb.reader_of(_caller("integration", key_id=11))
    admin = kb.reader_of(_caller("admin"))
    internal, draft = _article(visibility="internal"), _article(status="draft")
    scheduled = _article(publish_at=NOW + timedelta(minutes=1))
    assert kb.sees(customer, _article(), NOW) and not kb.sees(customer, internal, NOW)
    assert not kb.sees(customer, draft, NOW) and not kb.sees(customer, scheduled, NOW)
    assert kb.sees(agent, internal, NOW) and not kb.sees(agent, draft, NOW)
    assert not kb.sees(agent, scheduled, NOW)
    assert all(kb.sees(r, draft, NOW) for r in (author, teammate, same_key, admin))


def test_a_search_is_its_makers_only() -> None:
    customer = kb.reader_of(_caller(CUSTOMER, key_id=0, customer_id=5))
    agent = kb.reader_of(_caller("agent", lineage=frozenset({99, 98})))
    assert kb.owns_search(customer, None, 5) and not kb.owns_search(customer, None, 6)
    assert kb.owns_search(agent, 98, None) and not kb.owns_search(agent, 97, None)
    assert not kb.owns_search(agent, None, 5)


def test_the_fallback_chain_is_the_tag_its_base_then_the_default() -> None:
    assert kb.fallback_chain("nl-BE", "en") == ["nl-be", "nl", "en"]
    assert kb.fallback_chain("nl", "en") == ["nl", "en"]
    assert kb.fallback_chain(None, "en") == ["en"]
    group = {"en": 1, "nl": 2, "nl-BE": 3}
    assert kb.choose_translation(group, "nl-be", "en") == (3, "nl-BE")
    assert kb.choose_translation({"en": 1, "nl": 2}, "nl-BE", "en") == (2, "nl")
    assert kb.choose_translation({"en": 1}, "fr-CA", "en") == (1, "en")
    assert kb.choose_translation({"nl": 2}, "fr", "en") is None


def test_a_translation_is_outdated_only_behind_its_source() -> None:
    assert kb.is_outdated(2, 3) and not kb.is_outdated(3, 3) and not kb.is_outdated(None, 3)


def test_a_diff_names_each_changed_field() -> None:
    old = kb.Content("Title", None, "one\ntwo", "a", ("x", "y"))
    new = kb.Content("Title", "Now summarised", "one\nthree", "a", ("y", "z"))
    changes = {c.field: c for c in kb.diff(old, new, "r1", "r2")}
    assert set(changes) == {"summary", "body", "tags"}
    assert changes["body"].diff == ["--- r1", "+++ r2", "@@ -1,2 +1,2 @@", " one", "-two", "+three"]
    assert (changes["tags"].added, changes["tags"].removed) == (["z"], ["x"])


def test_markdown_is_rendered_and_sanitised() -> None:
    html = kb.render("**bold** <img src=x onerror=alert(1)> [a](https://example.com)")
    assert "<strong>bold</strong>" in html
    # Raw HTML in the Markdown is shown as text, never as markup.
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="https://example.com"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_a_suggestion_in_the_tickets_category_ranks_higher() -> None:
    assert kb.suggestion_score(1.0, "Hardware", "hardware") == kb.SAME_CATEGORY
    assert kb.suggestion_score(1.0, "network", "hardware") == 1.0
    assert kb.suggestion_score(1.0, None, None) == 1.0
    assert kb.ticket_text("Printer", "x" * 2000) == "Printer " + "x" * kb.SUGGESTION_TEXT


def test_a_reply_names_articles_by_address_or_id() -> None:
    text = "See https://help.example.com/kb/articles/42, KB-7, kb#7 and KB 9; not KB-x or /kb/articles/"
    assert kb.article_references(text) == [42, 7, 9]
    assert kb.article_references("order 12345 and kbd-3") == []


def test_the_words_a_candidate_must_hold_are_read_from_web_search_syntax() -> None:
    plain = kb.wanted_words("paper jam")
    assert (plain.words, plain.any_of, plain.exact) == ("paper jam", False, False)
    either = kb.wanted_words("printer or scanner")
    assert (either.words, either.any_of, either.exact) == ("printer scanner", True, True)
    # A word left out is not required; the query itself decides it, before ranking.
    without = kb.wanted_words("printer -toner")
    assert (without.words, without.any_of, without.exact) == ("printer", False, True)
    phrase = kb.wanted_words('"paper jam" tray')
    assert (phrase.words, phrase.any_of, phrase.exact) == ("paper jam tray", False, True)


def test_an_articles_writes_cause_published_updated_and_archived_events() -> None:
    assert kb.article_events(None, "draft", new_revision=False) == []
    assert kb.article_events(None, "published", new_revision=False) == ["kb.article.published"]
    assert kb.article_events("draft", "draft", new_revision=True) == ["kb.article.updated"]
    assert kb.article_events("draft", "published", new_revision=True) == [
        "kb.article.updated",
        "kb.article.published",
    ]
    assert kb.article_events("published", "archived", new_revision=False) == ["kb.article.archived"]
    assert kb.article_events("published", "draft", new_revision=False) == []
    payload = kb.article_event_payload(
        article_id=3,
        group_id=1,
        source_article_id=1,
        language="nl",
        status="published",
        publish_at=NOW + timedelta(hours=1),
        visibility="public",
        revision=2,
        now=NOW,
    )
    assert payload["status"] == "scheduled"


def test_a_snippet_is_cut_from_around_the_first_matched_word() -> None:
    body = "Opening words. " * 60 + "Then the printers jam. " + "Closing words. " * 60
    window, found = kb.snippet_window(body, ["printer", "printers"])
    assert found and "printers jam" in window
    assert len(window) <= kb.SNIPPET_BEFORE + kb.SNIPPET_WINDOW
    assert window.startswith("Opening") or window.startswith("words")  # a word's start
    # A lexeme without accents finds the word written with them, in any case.
    assert kb.snippet_window("Ο ΛΟΓΑΡΙΑΣΜΌΣ σας", ["λογαριασμ"])[1]
    assert kb.snippet_window("A nyomtatóval baj van", ["nyomtato"])[1]
    # Only at a word's start; none found: the opening.
    assert kb.snippet_window("reprint it", ["print"]) == ("reprint it", False)
    assert kb.snippet_window("x" * 2000, ["printer"]) == (
        "x" * (kb.SNIPPET_BEFORE + kb.SNIPPET_WINDOW),
        False,
    )


def test_a_query_is_corrected_word_by_word_and_only_when_a_word_changed() -> None:
    plan = kb.plan_search('Pasword, "reset" -vpn', "en")
    assert kb.words_to_correct(plan) == ["pasword", "reset"]
    assert kb.corrected_plan(plan, ["pasword", "reset"]) is None
    better = kb.corrected_plan(plan, ["password", "reset"])
    assert better is not None
    assert (better.words, better.configs, better.base_language) == (
        "password reset",
        ("english",),
        "en",
    )
    assert not better.wanted.exact and not better.wanted.any_of


def test_a_tickets_words_are_each_taken_once_in_their_order() -> None:
    assert kb.distinct_words("en", "Printer jams; the printer (again).") == [
        "printer",
        "jams",
        "the",
        "again",
    ]
    assert kb.distinct_words("th", "เครื่องพิมพ์กระดาษติด") == ["เครื่องพิมพ์", "กระดาษ", "ติด"]
