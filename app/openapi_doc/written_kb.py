"""The API reference's written text for the knowledge base: summaries, realistic examples (an
English article with its Dutch translation) and field descriptions, merged into
app/openapi_doc/written.py's tables."""

from typing import Any

SUMMARIES: dict[str, str] = {
    "kb_articles_create": "Write a knowledge-base article, or a translation of one",
    "kb_articles_list": "List the knowledge-base articles you can see",
    "kb_articles_get": "Read an article, in the reader's language where it is translated",
    "kb_articles_update": "Change an article: new content is a new revision",
    "kb_revisions_list": "List an article's revisions, newest first",
    "kb_revisions_get": "Read one revision of an article",
    "kb_revisions_restore": "Bring an old revision's content back as a new revision",
    "kb_revisions_diff": "Compare two revisions of an article, field by field",
    "kb_translations_list": "List an article's translations and which are out of date",
    "kb_search": "Search published articles in the reader's language",
    "kb_searches_opened": "Record which result of a search was opened",
    "kb_suggestions": "Suggest articles that may answer a ticket",
    "kb_links_create": "Link an article that solved a ticket",
    "kb_links_list": "List the articles linked to a ticket",
    "kb_metrics": "Knowledge-base KPIs per language: use, searches, deflection",
}

KB_VPN_BODY = (
    "1. Open **https://id.example.nl/reset** and enter your work email.\n"
    "2. Type the code from the text message.\n"
    "3. Choose a new password of at least 14 characters.\n\n"
    "The VPN client asks for the new password at its next connection."
)
KB_VPN_HTML = (
    "<ol>\n<li>Open <strong>https://id.example.nl/reset</strong> and enter your work email."
    "</li>\n<li>Type the code from the text message.</li>\n<li>Choose a new password of at "
    "least 14 characters.</li>\n</ol>\n<p>The VPN client asks for the new password at its "
    "next connection.</p>\n"
)
KB_VPN_NL_BODY = (
    "1. Ga naar **https://id.example.nl/reset** en vul je werkmail in.\n"
    "2. Typ de code uit het sms-bericht.\n"
    "3. Kies een nieuw wachtwoord van minstens 14 tekens.\n\n"
    "De VPN-client vraagt bij de volgende verbinding om het nieuwe wachtwoord."
)
KB_VPN_NL_HTML = (
    "<ol>\n<li>Ga naar <strong>https://id.example.nl/reset</strong> en vul je werkmail in."
    "</li>\n<li>Typ de code uit het sms-bericht.</li>\n<li>Kies een nieuw wachtwoord van "
    "minstens 14 tekens.</li>\n</ol>\n<p>De VPN-client vraagt bij de volgende verbinding om "
    "het nieuwe wachtwoord.</p>\n"
)
KB_ARTICLE = {
    "id": 31,
    "group_id": 31,
    "language": "en",
    "title": "Reset your VPN password",
    "summary": "Forgot your VPN password or locked out? Reset it yourself in three steps.",
    "body": KB_VPN_BODY,
    "body_html": KB_VPN_HTML,
    "category": "network/vpn",
    "tags": ["vpn", "password"],
    "status": "published",
    "visibility": "public",
    "owner_team_id": 3,
    "author_key_id": 5,
    "author_agent_id": 12,
    "publish_at": None,
    "published_at": "2026-02-16T10:00:00Z",
    "archived_at": None,
    "review_by": "2026-08-16T00:00:00Z",
    "past_review": False,
    "revision": 3,
    "version": 4,
    "translation": None,
    "created_at": "2026-02-12T14:20:00Z",
    "updated_at": "2026-03-02T08:40:00Z",
}
KB_ARTICLE_NL = {
    **KB_ARTICLE,
    "id": 32,
    "language": "nl",
    "title": "Je VPN-wachtwoord opnieuw instellen",
    "summary": "Wachtwoord vergeten of geblokkeerd? Stel het zelf opnieuw in, in drie stappen.",
    "body": KB_VPN_NL_BODY,
    "body_html": KB_VPN_NL_HTML,
    "revision": 2,
    "version": 3,
    "translation": {
        "source_article_id": 31,
        "source_revision": 3,
        "source_current_revision": 3,
        "outdated": False,
    },
    "created_at": "2026-02-17T09:05:00Z",
}
KB_HIT = {
    "article_id": 32,
    "group_id": 31,
    "language": "nl",
    "title": "Je VPN-wachtwoord opnieuw instellen",
    "summary": KB_ARTICLE_NL["summary"],
    "category": "network/vpn",
    "visibility": "public",
    "rank": 0.82,
    "matched": ["title", "body"],
    "match": "full_text",
    "snippet": "Je <mark>VPN</mark>-<mark>wachtwoord</mark> opnieuw instellen",
}
KB_BODY_CHANGE = {
    "field": "body",
    "diff": [
        "--- body (revision 2)",
        "+++ body (revision 3)",
        "@@ -3 +3 @@",
        "-3. Choose a new password of at least 12 characters.",
        "+3. Choose a new password of at least 14 characters.",
    ],
    "added": [],
    "removed": [],
}
KB_TAGS_CHANGE = {"field": "tags", "diff": [], "added": ["password"], "removed": ["account"]}

SCHEMAS: dict[str, Any] = {
    "ArticleCreate": {
        "title": "Reset your VPN password",
        "summary": KB_ARTICLE["summary"],
        "body": KB_VPN_BODY,
        "category": "network/vpn",
        "tags": ["vpn", "password"],
        "language": "en",
        "visibility": "public",
        "status": "published",
        "review_by": "2026-08-16T00:00:00Z",
        "owner_team_id": 3,
    },
    "ArticleUpdate": {
        "body": KB_VPN_NL_BODY,
        "source_revision": 3,
    },
    "ArticleOut": KB_ARTICLE,
    "ServedArticleOut": {
        **KB_ARTICLE_NL,
        "requested_language": "nl-BE",
        "served_language": "nl",
    },
    "TranslationState": KB_ARTICLE_NL["translation"],
    "RevisionOut": {
        "article_id": 31,
        "number": 3,
        "title": "Reset your VPN password",
        "summary": KB_ARTICLE["summary"],
        "body": KB_VPN_BODY,
        "category": "network/vpn",
        "tags": ["vpn", "password"],
        "author_key_id": 5,
        "author_agent_id": 12,
        "restored_from": None,
        "created_at": "2026-03-02T08:40:00Z",
    },
    "FieldChangeOut": KB_BODY_CHANGE,
    "DiffOut": {
        "article_id": 31,
        "from_revision": 2,
        "to_revision": 3,
        "changes": [KB_BODY_CHANGE, KB_TAGS_CHANGE],
    },
    "TranslationOut": {
        "id": 32,
        "language": "nl",
        "title": "Je VPN-wachtwoord opnieuw instellen",
        "status": "published",
        "source_article_id": 31,
        "source_revision": 2,
        "source_current_revision": 3,
        "outdated": True,
        "changed_fields": ["body"],
        "changes": [KB_BODY_CHANGE],
    },
    "HitOut": KB_HIT,
    "SearchResultOut": {"search_id": 20417, "items": [KB_HIT], "next_cursor": None},
    "OpenedIn": {"article_id": 32},
    "SuggestionsOut": {
        "search_id": 20418,
        "ticket_id": 4711,
        "language": "nl",
        "items": [KB_HIT],
    },
    "ArticleLinkCreate": {"article_id": 31},
    "ArticleLinkOut": {
        "id": 77,
        "ticket_id": 4711,
        "article_id": 31,
        "origin": "agent",
        "linked_by_key_id": 5,
        "linked_at": "2026-03-02T09:40:00Z",
        "suggestions_used": 1,
    },
    "KbMetricsOut": {
        "since": "2026-02-01T00:00:00Z",
        "until": "2026-03-03T00:00:00Z",
        "languages": [
            {
                "language": "nl",
                "tickets_solved": 42,
                "links": 47,
                "searches": 610,
                "zero_result_searches": 38,
                "portal_searches": 402,
                "deflected_searches": 297,
                "deflection_rate": 0.739,
                "outdated_translations": 3,
                "past_review": 1,
            },
            {
                "language": "th",
                "tickets_solved": 9,
                "links": 9,
                "searches": 121,
                "zero_result_searches": 17,
                "portal_searches": 88,
                "deflected_searches": 51,
                "deflection_rate": 0.58,
                "outdated_translations": 0,
                "past_review": 0,
            },
        ],
        "zero_result_queries": [
            {"language": "nl", "query": "printer scant niet naar mail", "searches": 6},
            {"language": "th", "query": "ลืมรหัสผ่าน wifi", "searches": 4},
        ],
        "most_used": [
            {
                "article_id": 31,
                "language": "en",
                "title": "Reset your VPN password",
                "links": 23,
            },
            {
                "article_id": 32,
                "language": "nl",
                "title": "Je VPN-wachtwoord opnieuw instellen",
                "links": 19,
            },
        ],
    },
}

DESCRIPTIONS: dict[str, str] = {
    "summary": "A short abstract shown in lists and search hits.",
    "visibility": "`internal` (agents only) or `public` (customers too).",
    "review_by": "When the content should be checked again; past it, it is flagged.",
    "owner_team_id": "The team that owns it (and may edit its drafts).",
    "author_key_id": "The API key that wrote the current revision.",
    "author_agent_id": "The agent that key belongs to.",
    "publish_at": "When a published article is shown from; null: at once.",
    "published_at": "When it was first published; null while it is not.",
    "archived_at": "When it was archived; null while it is not.",
    "past_review": "Its `review_by` has passed.",
    "translation": "Which revision of its source it follows; null when it is no translation.",
    "source_revision": "The source revision this translation now follows.",
    "requested_language": "The language asked for; null when none was.",
    "article_id": "The article's id.",
    "group_id": "The translation group (articles translating each other share it).",
    "number": "The revision's number (1 is the first).",
    "restored_from": "The revision this one brought back; null when it is new content.",
    "from_revision": "The older revision compared.",
    "to_revision": "The newer revision compared.",
    "changes": "What changed, field by field.",
    "source_article_id": "The article it translates.",
    "source_current_revision": "The source's current revision.",
    "outdated": "The source has a newer revision than the one it follows.",
    "rank": "How well it matched (higher is better).",
    "search_id": "The recorded search.",
    "origin": "`agent` (linked by hand) or `interaction` (a reply quoted it).",
    "linked_by_key_id": "The API key that linked it.",
    "linked_at": "When it was linked.",
    "since": "Start of the period (inclusive).",
    "until": "End of the period (exclusive).",
    "tickets_solved": "Tickets an article of this language was linked to.",
    "links": "Article links made.",
    "searches": "Searches made.",
    "zero_result_searches": "Searches that found nothing.",
    "deflection_rate": "Deflected / portal searches; null when there were none.",
    "outdated_translations": "Translations whose source has a newer revision.",
    "zero_result_queries": "Queries that found nothing, most frequent first.",
    "most_used": "Articles linked to most tickets.",
    "query": "The text searched for.",
}
