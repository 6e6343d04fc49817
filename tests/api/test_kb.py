"""The knowledge base through the API: relevance on a small multilingual corpus, revisions and
restore, translations and their staleness, the language fallback chain, who sees what, the
searches recorded, a ticket's suggestions and links, and the KPIs."""

from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from app.db import connection, transaction
from app.store.kb import search as search_store
from tests.api.conftest import client_for, new_key
from tests.api.factories import (
    created,
    follow_events,
    log,
    make_agent,
    make_customer,
    make_team,
    make_ticket,
)

# ---- the corpus: each language's articles, written for these tests ---------------------------

CORPUS: list[dict[str, Any]] = [
    # English
    {
        "language": "en",
        "title": "Reset your password",
        "summary": "Forgot it? Get a reset link by email.",
        "body": "If you forgot your password, open the sign-in page and choose Forgot password. "
        "We email you a reset link that is valid for one hour.",
        "category": "account",
    },
    {
        "language": "en",
        "title": "Printer shows a paper jam",
        "body": "Open tray 2 and pull out the jammed sheet. If the printers on your floor keep "
        "jamming, ask facilities to replace the feed roller.",
        "category": "hardware",
    },
    {
        "language": "en",
        "title": "Connect to the office VPN",
        "body": "Install the VPN client, sign in with your network password and pick the "
        "nearest gateway.",
        "category": "network",
    },
    {
        "language": "en",
        "title": "Change the billing address on invoices",
        "body": "Invoices carry the billing address of your account. Change it under "
        "Account settings, Billing.",
        "category": "billing",
    },
    # Dutch
    {
        "language": "nl",
        "title": "Wachtwoord opnieuw instellen",
        "body": "Ben je je wachtwoord vergeten? Kies op de aanmeldpagina voor Wachtwoord "
        "vergeten en volg de link in de e-mail.",
        "category": "account",
    },
    {
        "language": "nl",
        "title": "Factuur downloaden",
        "body": "Open Mijn account en kies de gewenste factuur om die als PDF te bewaren.",
        "category": "billing",
    },
    {
        "language": "nl",
        "title": "Printer geeft een papierstoring",
        "body": "Open lade 2 en trek het vastgelopen vel voorzichtig naar buiten.",
        "category": "hardware",
    },
    # Greek
    {
        "language": "el",
        "title": "Ο εκτυπωτής δεν τυπώνει",
        "body": "Ελέγξτε ότι ο εκτυπωτής είναι αναμμένος και συνδεδεμένος στο δίκτυο.",
        "category": "hardware",
    },
    {
        "language": "el",
        "title": "Ο λογαριασμός σας κλειδώθηκε",
        "body": "Μετά από τρεις αποτυχημένες προσπάθειες σύνδεσης ο λογαριασμός κλειδώνεται "
        "για δεκαπέντε λεπτά.",
        "category": "account",
    },
    # Hungarian
    {
        "language": "hu",
        "title": "A nyomtató nem nyomtat",
        "body": "Ellenőrizze, hogy a nyomtató be van-e kapcsolva és csatlakozik-e a hálózathoz.",
        "category": "hardware",
    },
    {
        "language": "hu",
        "title": "Zárolt fiók feloldása",
        "body": "Három sikertelen bejelentkezés után a fiók tizenöt percre zárolva lesz.",
        "category": "account",
    },
    # Thai
    {
        "language": "th",
        "title": "ลืมรหัสผ่าน",
        "body": "หากคุณลืมรหัสผ่าน ให้กดปุ่มรีเซ็ตรหัสผ่านที่หน้าเข้าสู่ระบบ",
        "category": "account",
    },
    {
        "language": "th",
        "title": "เครื่องพิมพ์กระดาษติด",
        "body": "เปิดถาดกระดาษแล้วดึงกระดาษที่ติดออกอย่างระมัดระวัง",
        "category": "hardware",
    },
]

# (language of the query, query, the title expected first, why)
RELEVANCE: list[tuple[str | None, str, str, str]] = [
    ("en", "password", "Reset your password", "the title above a body mention"),
    ("en", "jammed printers", "Printer shows a paper jam", "English stemming"),
    ("en", "invoice address", "Change the billing address on invoices", "plural in the title"),
    ("nl", "wachtwoorden", "Wachtwoord opnieuw instellen", "a Dutch plural finds the singular"),
    ("nl", "facturen", "Factuur downloaden", "a Dutch plural finds the singular"),
    ("el", "εκτυπωτές", "Ο εκτυπωτής δεν τυπώνει", "a Greek plural finds the nominative"),
    ("el", "λογαριασμού", "Ο λογαριασμός σας κλειδώθηκε", "a Greek genitive finds it"),
    ("el", "ΛΟΓΑΡΙΑΣΜΟ", "Ο λογαριασμός σας κλειδώθηκε", "Greek capitals, no accent"),
    ("hu", "nyomtatóval", "A nyomtató nem nyomtat", "a Hungarian case suffix"),
    ("hu", "fiókomat", "Zárolt fiók feloldása", "Hungarian possessive and accusative"),
    ("th", "รหัสผ่าน", "ลืมรหัสผ่าน", "a Thai word inside an unspaced title"),
    ("th", "เครื่องพิมพ์", "เครื่องพิมพ์กระดาษติด", "a Thai word inside an unspaced title"),
    ("th", "กระดาษติด", "เครื่องพิมพ์กระดาษติด", "two Thai words, unspaced"),
    ("en", "pasword", "Reset your password", "a typo, by trigram similarity"),
    ("en", "priner", "Printer shows a paper jam", "a typo, by trigram similarity"),
    ("nl", "wachtwoord instelen", "Wachtwoord opnieuw instellen", "a Dutch typo"),
    ("en", "facilites", "Printer shows a paper jam", "a typo of a word in the body alone"),
    ("el", "δεκαπεντε λεπτα", "Ο λογαριασμός σας κλειδώθηκε", "Greek body words, no accents"),
    ("hu", "bejelentkezes", "Zárolt fiók feloldása", "a Hungarian body word, no accent"),
    ("en", "vp", "Connect to the office VPN", "a query too short to stem"),
]


async def make_article(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {
        "title": "An article",
        "body": "Some text.",
        "language": "en",
        "status": "published",
        "visibility": "public",
    } | fields
    return await created(await client.post("/v1/kb/articles", json=body))


async def load_corpus(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    return {a["title"]: await make_article(client, **a) for a in CORPUS}


async def search(client: httpx.AsyncClient, q: str, **params: Any) -> dict[str, Any]:
    response = await client.get("/v1/kb/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


def titles(result: dict[str, Any]) -> list[str]:
    return [hit["title"] for hit in result["items"]]


async def edit(client: httpx.AsyncClient, article: dict[str, Any], **fields: Any) -> dict[str, Any]:
    response = await client.patch(
        f"/v1/kb/articles/{article['id']}",
        json=fields,
        headers={"If-Match": f'"{article["version"]}"'},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def portal_client(app: Any, client: httpx.AsyncClient, customer_id: int) -> Any:
    minted = await created(await client.post(f"/v1/customers/{customer_id}/tokens"))
    return client_for(app, minted["token"])


# ---- relevance ---------------------------------------------------------------------------------


async def test_each_query_finds_its_article_first_in_its_own_language(
    client: httpx.AsyncClient,
) -> None:
    await load_corpus(client)
    wrong = []
    for language, q, expected, why in RELEVANCE:
        found = titles(await search(client, q, language=language))
        if not found or found[0] != expected:
            wrong.append(f"{q!r} ({language}, {why}): {found[:3]}, not {expected!r} first")
    assert not wrong, "\n".join(wrong)


async def test_a_query_in_one_language_returns_no_other_languages_article_unless_asked(
    client: httpx.AsyncClient,
) -> None:
    await load_corpus(client)
    english = await search(client, "printer", language="en")
    assert titles(english) == ["Printer shows a paper jam"]
    dutch = await search(client, "printer", language="nl")
    assert titles(dutch) == ["Printer geeft een papierstoring"]
    everywhere = await search(client, "printer")
    assert set(titles(everywhere)) == {
        "Printer shows a paper jam",
        "Printer geeft een papierstoring",
    }
    # A regional tag searches its language.
    assert titles(await search(client, "facturen", language="nl-BE")) == ["Factuur downloaden"]


async def test_a_hit_says_which_fields_matched_with_the_words_marked_in_its_snippet(
    client: httpx.AsyncClient,
) -> None:
    await load_corpus(client)
    hits = (await search(client, "password", language="en"))["items"]
    reset, vpn = hits[0], hits[1]
    assert reset["matched"] == ["title", "summary", "body"] or reset["matched"] == [
        "title",
        "body",
    ]
    assert "title" in reset["matched"] and reset["match"] == "full_text"
    assert vpn["title"] == "Connect to the office VPN" and vpn["matched"] == ["body"]
    assert "<mark>password</mark>" in vpn["snippet"]
    # A typo is corrected to the word the articles hold, and found as full text is.
    typo = (await search(client, "pasword", language="en"))["items"][0]
    assert typo["title"] == "Reset your password"
    assert typo["match"] == "similar" and typo["matched"] == ["title", "body"]
    assert "<mark>password</mark>" in typo["snippet"]
    # A typo of a word that only a body holds: the title fallback could not find it.
    body_only = (await search(client, "facilites", language="en"))["items"]
    assert [(h["title"], h["matched"]) for h in body_only] == [
        ("Printer shows a paper jam", ["body"])
    ]
    assert "<mark>facilities</mark>" in body_only[0]["snippet"]
    # A too short query is matched on titles by trigram similarity.
    short = (await search(client, "vp", language="en"))["items"][0]
    assert short["match"] == "similar" and short["matched"] == ["title"]


async def test_snippets_carry_no_markup_from_the_body(client: httpx.AsyncClient) -> None:
    await make_article(
        client, title="Script tags", body="Never paste <script>alert(1)</script> here"
    )
    hit = (await search(client, "paste", language="en"))["items"][0]
    assert "<script" not in hit["snippet"]
    assert hit["snippet"].replace("<mark>paste</mark>", "").count("<") == 0


async def test_search_pages_follow_the_rank_with_a_cursor(client: httpx.AsyncClient) -> None:
    for n in range(5):
        await make_article(client, title=f"Router model {n}", body="router " * (n + 1))
    first = await search(client, "router", language="en", limit=2)
    seen = titles(first)
    cursor = first["next_cursor"]
    while cursor:
        page = await search(client, "router", language="en", limit=2, cursor=cursor)
        assert page["search_id"] is None  # only the first page is a new search
        seen += titles(page)
        cursor = page["next_cursor"]
    assert sorted(seen) == [f"Router model {n}" for n in range(5)]
    assert len(set(seen)) == 5
    bad = await client.get("/v1/kb/search", params={"q": "router", "cursor": "nonsense"})
    assert bad.status_code == 400


async def test_the_pages_of_a_corrected_query_follow_one_another(
    client: httpx.AsyncClient,
) -> None:
    for n in range(3):
        await make_article(client, title=f"Desk {n}", body=f"Ask facilities about desk {n}.")
    first = await search(client, "facilites", language="en", limit=2)
    assert [h["match"] for h in first["items"]] == ["similar", "similar"]
    second = await search(client, "facilites", language="en", cursor=first["next_cursor"])
    assert second["search_id"] is None and second["next_cursor"] is None
    seen = titles(first) + titles(second)
    assert sorted(seen) == ["Desk 0", "Desk 1", "Desk 2"]
    assert all("<mark>facilities</mark>" in h["snippet"] for h in second["items"])


async def test_web_search_syntax_and_stop_words_are_honoured_by_the_candidates(
    client: httpx.AsyncClient,
) -> None:
    await make_article(client, title="Toner low", body="The printer toner is low.")
    await make_article(client, title="Paper tray", body="The printer paper tray is empty.")
    await make_article(client, title="Scanner glass", body="Clean the scanner glass.")
    found = titles(await search(client, "printer tray", language="en"))
    assert found == ["Paper tray"]
    assert titles(await search(client, "printer -toner", language="en")) == ["Paper tray"]
    assert set(titles(await search(client, "toner or scanner", language="en"))) == {
        "Toner low",
        "Scanner glass",
    }
    phrase = (await search(client, '"printer paper"', language="en"))["items"]
    assert [(h["title"], h["match"]) for h in phrase] == [("Paper tray", "full_text")]
    # Only stop words: nothing asked, nothing found (not every article).
    assert titles(await search(client, "the and", language="en")) == []


async def test_an_edit_changes_the_words_an_article_is_found_by(
    client: httpx.AsyncClient,
) -> None:
    article = await make_article(client, title="Monitor", body="The monitor flickers.")
    assert titles(await search(client, "flickers", language="en")) == ["Monitor"]
    await edit(client, article, body="The monitor stays black.")
    assert titles(await search(client, "flickers", language="en")) == []
    assert titles(await search(client, "black", language="en")) == ["Monitor"]


# ---- revisions ---------------------------------------------------------------------------------


async def test_every_edit_is_a_revision_that_can_be_listed_diffed_and_restored(
    app: Any, client: httpx.AsyncClient
) -> None:
    article = await make_article(client, title="Printer setup", body="Step one.\nStep two.")
    path = f"/v1/kb/articles/{article['id']}"
    agent = await make_agent(client)
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as writer:
        edited = await edit(
            writer, article, body="Step one.\nStep two, then three.", tags=["setup"]
        )
    assert edited["revision"] == 2 and edited["version"] == article["version"] + 1

    stale = await client.patch(
        path, json={"title": "X"}, headers={"If-Match": f'"{article["version"]}"'}
    )
    assert stale.status_code == 412
    missing = await client.patch(path, json={"title": "X"})
    assert missing.status_code == 428

    revisions = (await client.get(f"{path}/revisions")).json()["items"]
    assert [r["number"] for r in revisions] == [2, 1]
    assert revisions[0]["author_agent_id"] == agent["id"]
    assert (
        revisions[1]["author_agent_id"] is None and revisions[1]["body"] == "Step one.\nStep two."
    )

    diff = (await client.get(f"{path}/diff", params={"from": 1, "to": 2})).json()
    fields = {c["field"]: c for c in diff["changes"]}
    assert set(fields) == {"body", "tags"}
    assert (
        "-Step two." in fields["body"]["diff"]
        and "+Step two, then three." in fields["body"]["diff"]
    )
    assert fields["tags"]["added"] == ["setup"]

    restored = await client.post(
        f"{path}/revisions/1/restore", headers={"If-Match": f'"{edited["version"]}"'}
    )
    assert restored.status_code == 200, restored.text
    assert restored.json()["revision"] == 3 and restored.json()["body"] == "Step one.\nStep two."
    third = (await client.get(f"{path}/revisions/3")).json()
    assert third["restored_from"] == 1 and third["tags"] == []
    # The revision history is kept whole: revision 2 still says what it said.
    assert (await client.get(f"{path}/revisions/2")).json()["tags"] == ["setup"]
    assert (await client.get(f"{path}/revisions/9")).status_code == 404


async def test_a_change_of_status_alone_makes_no_revision(client: httpx.AsyncClient) -> None:
    article = await make_article(client, status="draft")
    published = await edit(client, article, status="published")
    assert published["revision"] == 1 and published["status"] == "published"
    assert published["published_at"] is not None
    archived = await edit(client, published, status="archived")
    assert archived["archived_at"] is not None
    back = await client.patch(
        f"/v1/kb/articles/{article['id']}",
        json={"status": "published"},
        headers={"If-Match": f'"{archived["version"]}"'},
    )
    assert back.status_code == 409 and back.json()["allowed"] == ["draft"]


async def test_a_revision_cannot_be_changed_in_the_database(
    db: Any, client: httpx.AsyncClient
) -> None:
    article = await make_article(client)
    async with connection(db) as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(
                "UPDATE kb_revisions SET body = 'rewritten' WHERE article_id = $1", article["id"]
            )


async def test_a_search_costs_reading_articles_as_from_memory_for_its_transaction_only(
    db: Any,
) -> None:
    # Costed as reads from disk, the newest-first walk of a language's articles scans and
    # sorts the whole table instead of walking the language's index.
    async with transaction(db) as conn:
        await search_store.word_hashes(conn, ["english"], "printer")
        assert await conn.fetchval("SHOW random_page_cost") == "1.1"
    async with connection(db) as conn:
        assert await conn.fetchval("SHOW random_page_cost") == "4"


async def test_the_body_is_served_as_sanitised_html(client: httpx.AsyncClient) -> None:
    article = await make_article(
        client,
        body="# Steps\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1)) and **bold**",
    )
    html = article["body_html"]
    assert "<h1>Steps</h1>" in html and "<strong>bold</strong>" in html
    assert "<script" not in html and "href" not in html


async def test_writes_are_in_the_audit_log_with_who_made_them(
    db: Any, client: httpx.AsyncClient
) -> None:
    article = await make_article(client)
    await edit(client, article, title="Renamed")
    async with connection(db) as conn:
        rows = await conn.fetch(
            "SELECT resource, action, fields, actor_key_id FROM audit_log"
            " WHERE resource IN ('kb_articles', 'kb_revisions') ORDER BY id"
        )
    assert [(r["resource"], r["action"]) for r in rows] == [
        ("kb_articles", "create"),
        ("kb_revisions", "create"),
        ("kb_articles", "update"),
        ("kb_revisions", "create"),
    ]
    assert "title" in rows[2]["fields"]
    assert all(r["actor_key_id"] is not None for r in rows)


# ---- translations ------------------------------------------------------------------------------


async def test_a_translation_is_outdated_exactly_when_its_source_has_a_newer_revision(
    client: httpx.AsyncClient,
) -> None:
    original = await make_article(client, title="Reset your password", body="Open settings.")
    dutch = await make_article(
        client,
        title="Wachtwoord opnieuw instellen",
        body="Open instellingen.",
        language="nl",
        translation_of=original["id"],
    )
    assert dutch["group_id"] == original["id"]
    assert dutch["translation"] == {
        "source_article_id": original["id"],
        "source_revision": 1,
        "source_current_revision": 1,
        "outdated": False,
    }
    path = f"/v1/kb/articles/{original['id']}/translations"
    before = {t["language"]: t for t in (await client.get(path)).json()}
    assert before["nl"]["outdated"] is False

    # The source's status changes: no new revision, still current.
    original = await edit(client, original, review_by="2030-01-01T00:00:00Z")
    assert {t["language"]: t for t in (await client.get(path)).json()}["nl"]["outdated"] is False

    await edit(client, original, body="Open settings, then Security.")
    after = {t["language"]: t for t in (await client.get(path)).json()}
    assert after["nl"]["outdated"] is True
    assert after["nl"]["source_current_revision"] == 2
    assert after["nl"]["changed_fields"] == ["body"]
    assert "+Open settings, then Security." in after["nl"]["changes"][0]["diff"]
    read = (await client.get(f"/v1/kb/articles/{dutch['id']}")).json()
    assert read["translation"]["outdated"] is True

    caught_up = await edit(
        client, read, body="Open instellingen, dan Beveiliging.", source_revision=2
    )
    assert caught_up["translation"]["outdated"] is False
    again = await client.post(
        "/v1/kb/articles",
        json={"title": "Dubbel", "body": "x", "language": "NL", "translation_of": original["id"]},
    )
    assert again.status_code == 409


async def test_a_reader_gets_their_language_then_its_base_then_the_groups_default(
    app: Any, client: httpx.AsyncClient
) -> None:
    original = await make_article(client, title="Reset your password")
    dutch = await make_article(
        client, title="Wachtwoord", language="nl", translation_of=original["id"]
    )
    path = f"/v1/kb/articles/{original['id']}"

    served = (await client.get(path, params={"language": "nl-BE"})).json()
    assert (served["id"], served["served_language"], served["requested_language"]) == (
        dutch["id"],
        "nl",
        "nl-BE",
    )
    default = (await client.get(path, params={"language": "fr"})).json()
    assert (default["id"], default["served_language"]) == (original["id"], "en")
    flemish = await make_article(
        client, title="Wachtwoord (BE)", language="nl-BE", translation_of=dutch["id"]
    )
    assert flemish["group_id"] == original["id"]
    from_dutch = (
        await client.get(f"/v1/kb/articles/{dutch['id']}", params={"language": "nl-BE"})
    ).json()
    assert (from_dutch["id"], from_dutch["served_language"]) == (flemish["id"], "nl-BE")
    # A translation the reader may not see is skipped.
    await edit(client, flemish, status="draft")
    customer = await make_customer(client)
    async with await portal_client(app, client, customer["id"]) as portal:
        seen = (await portal.get(path, params={"language": "nl-BE"})).json()
    assert (seen["id"], seen["served_language"]) == (dutch["id"], "nl")


# ---- desk events -------------------------------------------------------------------------------


async def test_an_articles_life_is_in_the_staff_feed_with_ids_and_states_only(
    app: Any, client: httpx.AsyncClient
) -> None:
    _, cursor = await follow_events(client)
    draft = await make_article(client, title="Secret plan", body="Hidden words.", status="draft")
    published = await edit(client, draft, status="published")
    edited = await edit(client, published, body="Other words.", visibility="internal")
    restored = await created(
        await client.post(
            f"/v1/kb/articles/{draft['id']}/revisions/1/restore",
            headers={"If-Match": f'"{edited["version"]}"'},
        )
    )
    await edit(client, restored, status="archived")
    translation = await make_article(
        client, title="Geheim plan", language="nl", translation_of=draft["id"]
    )
    events, _ = await follow_events(client, cursor)
    kb_events = [e for e in events if e["type"].startswith("kb.article.")]
    assert [(e["type"], e["ticket_id"], e["data"]["revision"]) for e in kb_events] == [
        ("kb.article.published", None, 1),
        ("kb.article.updated", None, 2),
        ("kb.article.updated", None, 3),
        ("kb.article.archived", None, 3),
        ("kb.article.published", None, 1),
    ]
    assert kb_events[1]["data"] == {
        "article_id": draft["id"],
        "group_id": draft["id"],
        "source_article_id": None,
        "language": "en",
        "status": "published",
        "visibility": "internal",
        "revision": 2,
    }
    assert kb_events[-1]["data"]["article_id"] == translation["id"]
    assert kb_events[-1]["data"]["source_article_id"] == draft["id"]
    # No title or text reaches an event.
    assert "Secret" not in str(kb_events) and "words" not in str(kb_events)
    # An agent's key follows them too; a customer's token has no such feed.
    async with client_for(app, await new_key(app, "agent")) as as_agent:
        agent_events, _ = await follow_events(as_agent, cursor)
    assert [e["type"] for e in agent_events if e["type"].startswith("kb.")] == [
        e["type"] for e in kb_events
    ]
    customer = await make_customer(client)
    async with await portal_client(app, client, customer["id"]) as portal:
        answered = await portal.get("/v1/events")
    assert answered.status_code == 403, answered.text


# ---- who sees what -----------------------------------------------------------------------------


async def test_customers_see_published_public_articles_agents_internal_ones_drafts_their_editors(
    app: Any, client: httpx.AsyncClient, clock: Any
) -> None:
    team, other_team = await make_team(client), await make_team(client)
    author = await make_agent(client, team_id=team["id"])
    teammate = await make_agent(client, team_id=team["id"])
    outsider = await make_agent(client, team_id=other_team["id"])
    customer = await make_customer(client)
    public = await make_article(client, title="Public answer")
    internal = await make_article(client, title="Internal answer", visibility="internal")
    scheduled = await make_article(
        client,
        title="Scheduled answer",
        publish_at=(clock.now() + timedelta(minutes=30)).isoformat(),
    )
    assert scheduled["status"] == "scheduled"
    async with client_for(app, await new_key(app, "agent", agent_id=author["id"])) as writer:
        draft = await make_article(
            writer, title="Draft answer", status="draft", owner_team_id=team["id"]
        )
    by_title = {a["title"]: a["id"] for a in (public, internal, scheduled, draft)}

    async def visible(c: httpx.AsyncClient) -> set[str]:
        response = await c.get("/v1/kb/articles")
        assert response.status_code == 200, response.text
        listed = response.json()["items"]
        gets = {
            t
            for t, i in by_title.items()
            if (await c.get(f"/v1/kb/articles/{i}")).status_code == 200
        }
        assert {a["title"] for a in listed} == gets
        return gets

    async with (
        await portal_client(app, client, customer["id"]) as portal,
        client_for(app, await new_key(app, "agent", agent_id=author["id"])) as mine,
        client_for(app, await new_key(app, "agent", agent_id=teammate["id"])) as teams,
        client_for(app, await new_key(app, "agent", agent_id=outsider["id"])) as other,
        client_for(app, await new_key(app, "viewer")) as viewer,
    ):
        assert await visible(portal) == {"Public answer"}
        assert await visible(other) == {"Public answer", "Internal answer"}
        assert await visible(viewer) == {"Public answer", "Internal answer"}
        assert await visible(mine) == {"Public answer", "Internal answer", "Draft answer"}
        assert await visible(teams) == {"Public answer", "Internal answer", "Draft answer"}
        assert await visible(client) == set(by_title)
        assert titles(await search(portal, "answer")) == ["Public answer"]
        assert set(titles(await search(other, "answer"))) == {"Public answer", "Internal answer"}
        assert titles(await search(other, "answer", visibility="public")) == ["Public answer"]
        assert (
            await portal.post("/v1/kb/articles", json={"title": "x", "body": "y", "language": "en"})
        ).status_code == 403
        assert (await portal.get(f"/v1/kb/articles/{public['id']}/revisions")).status_code == 403
        assert (
            await viewer.post("/v1/kb/articles", json={"title": "x", "body": "y", "language": "en"})
        ).status_code == 403

        # From publish_at on, the scheduled article is published: no worker needed.
        clock.set(clock.now() + timedelta(minutes=30))
        assert "Scheduled answer" in await visible(portal)
        assert (await portal.get(f"/v1/kb/articles/{scheduled['id']}")).json()[
            "status"
        ] == "published"


# ---- searches recorded, suggestions, links, KPIs -------------------------------------------------


async def test_every_search_is_recorded_with_the_result_opened(
    app: Any, client: httpx.AsyncClient
) -> None:
    corpus = await load_corpus(client)
    customer = await make_customer(client)
    reset = corpus["Reset your password"]
    async with await portal_client(app, client, customer["id"]) as portal:
        found = await search(portal, "password", language="en")
        assert found["search_id"] is not None
        opened = await portal.get(
            f"/v1/kb/articles/{reset['id']}", params={"search_id": found["search_id"]}
        )
        assert opened.status_code == 200
        missing = await search(portal, "quantum entanglement", language="en")
        assert missing["items"] == []
    # Another caller cannot claim the search.
    assert (
        await client.post(
            f"/v1/kb/searches/{missing['search_id']}/opened", json={"article_id": reset["id"]}
        )
    ).status_code == 422
    async with connection(app.state.desk.db) as conn:
        rows = await conn.fetch(
            "SELECT query, language, audience, result_count, customer_id, opened_article_id"
            " FROM kb_searches ORDER BY id"
        )
    assert [(r["query"], r["opened_article_id"], r["result_count"] > 0) for r in rows] == [
        ("password", reset["id"], True),
        ("quantum entanglement", None, False),
    ]
    assert {(r["language"], r["audience"], r["customer_id"]) for r in rows} == {
        ("en", "public", customer["id"])
    }


async def test_a_tickets_suggestions_and_the_link_that_marks_one_used(
    client: httpx.AsyncClient,
) -> None:
    corpus = await load_corpus(client)
    ticket = await make_ticket(
        client,
        subject="Cannot print",
        description="The printer on floor 2 says paper jam again",
        language="en",
        category="hardware",
    )
    suggested = (await client.get(f"/v1/tickets/{ticket['id']}/kb-suggestions")).json()
    first = suggested["items"][0]
    assert first["title"] == "Printer shows a paper jam"
    assert all(hit["language"] == "en" for hit in suggested["items"])
    dutch = await make_ticket(client, subject="Wachtwoorden vergeten", language="nl")
    nl = (await client.get(f"/v1/tickets/{dutch['id']}/kb-suggestions")).json()["items"]
    assert nl[0]["title"] == "Wachtwoord opnieuw instellen"

    path = f"/v1/tickets/{ticket['id']}/kb-links"
    link = await client.post(path, json={"article_id": first["article_id"]})
    assert link.status_code == 201 and link.json()["suggestions_used"] == 1
    again = await client.post(path, json={"article_id": first["article_id"]})
    assert again.status_code == 200 and again.json()["id"] == link.json()["id"]
    assert [lnk["article_id"] for lnk in (await client.get(path)).json()] == [first["article_id"]]
    unknown = await client.post(
        path, json={"article_id": corpus["Reset your password"]["id"] + 999}
    )
    assert unknown.status_code == 404


async def test_the_kpis_count_per_language(app: Any, client: httpx.AsyncClient, clock: Any) -> None:
    corpus = await load_corpus(client)
    reset = corpus["Reset your password"]
    await make_article(client, title="Wachtwoord", language="nl", translation_of=reset["id"])
    await edit(client, reset, body="A new body.")
    await make_article(
        client, title="Old answer", review_by=(clock.now() - timedelta(days=1)).isoformat()
    )
    ticket = await make_ticket(client, subject="Forgot my password", language="en")
    await client.post(f"/v1/tickets/{ticket['id']}/kb-links", json={"article_id": reset["id"]})
    customer = await make_customer(client)
    quiet = await make_customer(client)
    async with await portal_client(app, client, customer["id"]) as portal:
        await search(portal, "nothing like this", language="nl")
        await search(portal, "password", language="en")
    async with await portal_client(app, client, quiet["id"]) as portal:
        await search(portal, "password", language="en")
    await make_ticket(client, subject="Still stuck", customer_id=customer["id"])
    clock.set(clock.now() + timedelta(days=2))

    kpis = (await client.get("/v1/metrics/kb")).json()
    by_language = {row["language"]: row for row in kpis["languages"]}
    assert by_language["en"]["tickets_solved"] == 1
    assert by_language["en"]["past_review"] == 1
    assert by_language["nl"]["outdated_translations"] == 1
    assert by_language["nl"]["zero_result_searches"] == 1
    assert (by_language["en"]["portal_searches"], by_language["en"]["deflected_searches"]) == (2, 1)
    assert by_language["en"]["deflection_rate"] == 0.5
    assert kpis["zero_result_queries"] == [
        {"language": "nl", "query": "nothing like this", "searches": 1}
    ]
    assert kpis["most_used"][0]["article_id"] == reset["id"]
    # The metrics summary carries the same figures for its period, without the queries typed.
    summary = await client.get(
        "/v1/metrics/summary",
        params={"from": kpis["since"], "to": kpis["until"]},
    )
    assert summary.status_code == 200, summary.text
    knowledge_base = summary.json()["knowledge_base"]
    assert knowledge_base["languages"] == kpis["languages"]
    assert knowledge_base["most_used"] == kpis["most_used"]
    assert "zero_result_queries" not in knowledge_base


async def test_a_public_reply_naming_an_article_links_it_to_the_ticket(
    db: Any, client: httpx.AsyncClient
) -> None:
    corpus = await load_corpus(client)
    reset, jam = corpus["Reset your password"], corpus["Printer shows a paper jam"]
    draft = await make_article(client, title="Not yet", status="draft")
    ticket = await make_ticket(client, subject="Forgot my password", language="en")
    suggested = (await client.get(f"/v1/tickets/{ticket['id']}/kb-suggestions")).json()
    assert reset["id"] in [hit["article_id"] for hit in suggested["items"]]
    path = f"/v1/tickets/{ticket['id']}"
    # An internal note names an article: no link.
    await log(
        client,
        ticket["id"],
        kind="note",
        direction="internal",
        public=False,
        body=f"see KB-{jam['id']}",
    )
    assert (await client.get(f"{path}/kb-links")).json() == []
    await log(
        client,
        ticket["id"],
        body=f"Please follow https://help.example.com/kb/articles/{reset['id']} "
        f"(or KB-{draft['id']}, not published, and KB-{reset['id']} again).",
    )
    links = (await client.get(f"{path}/kb-links")).json()
    assert [(lnk["article_id"], lnk["origin"]) for lnk in links] == [(reset["id"], "interaction")]
    async with connection(db) as conn:
        used = await conn.fetchval(
            "SELECT used_article_id FROM kb_searches WHERE ticket_id = $1", ticket["id"]
        )
    assert used == reset["id"]
