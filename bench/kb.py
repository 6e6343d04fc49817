"""Knowledge base benchmark: search p50/p95, a ticket's suggestions p50/p95 and the time to index
an article, at growing corpus sizes (default 10,000 then 100,000 articles in five languages).

    python bench/kb.py                     # 10,000 then 100,000 articles, about 10 minutes
    python bench/kb.py --quick             # 2,000 then 10,000, fewer timings: a minute or two
    python bench/kb.py --sizes 2000 20000 --reps 100

The corpus is generated: English, Dutch, Greek, Hungarian and Thai articles in equal parts,
each a title of 4–8 words, a summary of 12–20 and a body of three to five paragraphs of 40–90
words (120–450), drawn from a help-desk vocabulary of its language (80 words and compounds of
them, 4,000 in all) by Zipf's law, so common words match thousands of articles and rare ones a
few. Titles, summaries and paragraphs are drawn from pools generated once per language (Thai
is segmented by the service's own function once per piece, not once per article: newmm takes
~30 ms for a Thai body); a sample of articles is checked to be indexed and rendered exactly
as `app.domain.kb.indexed_text` and `render` do it for the whole article.

The articles are loaded in bulk, not through the API: COPY into a staging table, then an
INSERT … SELECT on two connections with the store's own expressions
(`app.store.kb.articles.VECTOR`, `HEAD`; the word hashes are the table's generated column)
and the known words added with its `KNOWN_WORDS`, the table's GIN indexes dropped during the
load and created again from their own definitions. Creating one article through the API
(rendered, segmented, indexed, its revision and words written) is timed apart, on the full
corpus. Then searches (one- and two-word queries in their language, one in ten with a typo)
and ticket suggestions are timed through the API in this process. The timings are bounded:
`--budget` seconds in all (default 600), past which each timing loop stops once it has 60
timings (10 articles) and says so. Starts its own embedded PostgreSQL unless DATABASE_URL is
set; the database (bench_kb) is kept for EXPLAIN."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.db import libpq_url  # noqa: E402
from app.domain import kb  # noqa: E402
from app.store.kb.articles import HEAD, KNOWN_WORDS, VECTOR  # noqa: E402
from bench import harness  # noqa: E402
from bench.harness import fresh_database, in_process, open_server, percentiles  # noqa: E402

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


def _vocabulary(base: list[str]) -> list[str]:
    words = list(base)
    for a in base:
        for b in base:
            if a != b and len(words) < VOCABULARY_SIZE:
                words.append(a + b)
    return words


VOCABULARY = {language: _vocabulary(words) for language, words in WORDS.items()}
# Zipf's law, as cumulative weights (random.choices then draws in O(log n)).
CUMULATIVE = {
    language: list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(words))))
    for language, words in VOCABULARY.items()
}


def _draw(rng: random.Random, language: str, low: int, high: int) -> str:
    words = rng.choices(
        VOCABULARY[language], cum_weights=CUMULATIVE[language], k=rng.randint(low, high)
    )
    if language in JOINER:
        # Sentences of a dozen words, spaced between sentences as Thai is written.
        return " ".join(JOINER[language].join(words[i : i + 12]) for i in range(0, len(words), 12))
    return " ".join(words).capitalize()


@dataclass(frozen=True)
class Piece:
    """A generated title, summary or paragraph, and its words as the service indexes them."""

    text: str
    words: str
    html: str  # a paragraph rendered (a paragraph of generated words renders on its own)


@dataclass(frozen=True)
class Pools:
    titles: dict[str, list[Piece]]
    summaries: dict[str, list[Piece]]
    paragraphs: dict[str, list[Piece]]


def _pool(rng: random.Random, language: str, size: int, low: int, high: int) -> list[Piece]:
    out = []
    for _ in range(size):
        text = _draw(rng, language, low, high) + ("" if language in JOINER else ".")
        out.append(Piece(text, kb.words_of(language, text), kb.render(text)))
    return out


def make_pools(size: int) -> Pools:
    rng = random.Random(5)
    return Pools(
        titles={lang: _pool(rng, lang, size, 4, 8) for lang in LANGUAGES},
        summaries={lang: _pool(rng, lang, size, 12, 20) for lang in LANGUAGES},
        paragraphs={lang: _pool(rng, lang, size, 40, 90) for lang in LANGUAGES},
    )


@dataclass(frozen=True)
class Article:
    n: int
    language: str
    title: str
    summary: str
    body: str
    category: str
    body_html: str
    indexed: kb.IndexedText
    # The words of each piece it is made of: its words are theirs (whitespace ends a word).
    pieces: tuple[str, ...]


def article(rng: random.Random, pools: Pools, n: int) -> Article:
    language = LANGUAGES[n % len(LANGUAGES)]
    title = rng.choice(pools.titles[language])
    summary = rng.choice(pools.summaries[language])
    paragraphs = [rng.choice(pools.paragraphs[language]) for _ in range(rng.randint(3, 5))]
    body = "\n\n".join(p.text for p in paragraphs)
    if language in JOINER:
        # Whitespace ends a run of Thai: the body's words are its paragraphs' words.
        body_words = " ".join(p.words for p in paragraphs)
    else:
        body_words = body
    indexed = kb.IndexedText(
        config=kb.config_for(language),
        title=title.words,
        summary=summary.words,
        body=body_words,
        segmented_body=body_words if body_words != body else None,
    )
    html = "".join(p.html for p in paragraphs)
    pieces = (title.words, summary.words, *(p.words for p in paragraphs))
    return Article(
        n, language, title.text, summary.text, body, f"cat{n % 25}", html, indexed, pieces
    )


def check_indexed_as_the_service_does(pools: Pools, count: int = 25) -> None:
    """A sample of generated articles indexed whole by the service's function: the same words."""
    rng = random.Random(9)
    for n in range(count):
        a = article(rng, pools, n)
        whole = kb.indexed_text(a.language, a.title, a.summary, a.body)
        assert whole == a.indexed, (a.language, whole, a.indexed)
        assert kb.render(a.body) == a.body_html, (a.body, a.body_html)


STAGING = """
    CREATE UNLOGGED TABLE IF NOT EXISTS kb_staging (
        id bigint, language text, title text, summary text, body text, body_html text,
        category text, config text, title_words text, summary_words text, body_words text)
"""
STAGING_PIECES = "CREATE UNLOGGED TABLE IF NOT EXISTS kb_staging_pieces (language text, words text)"
# The store's statement, as one INSERT … SELECT over the staging table: the same vectors
# (VECTOR, HEAD); word_hashes is the table's generated column. Every third article internal.
# An article's words are staged only where they differ from its text (Thai): less to copy.
INDEX = f"""
    INSERT INTO kb_articles (id, group_id, language, base_language, title, summary, body,
        body_html, category, tags, status, visibility, revision, version, created_at,
        updated_at, published_at, search_config, search_vector, head_vector, search_body)
    SELECT id, id, language, language, title, summary, body, body_html, category,
        '{{}}', 'published', CASE WHEN id % 3 = 0 THEN 'internal' ELSE 'public' END, 1, 1,
        $1, $1, $1, config,
        {
    VECTOR.format(
        c="config",
        t="coalesce(title_words, title)",
        s="coalesce(summary_words, summary)",
        b="coalesce(body_words, body)",
    )
},
        {
    HEAD.format(c="config", t="coalesce(title_words, title)", s="coalesce(summary_words, summary)")
},
        body_words
    FROM kb_staging WHERE id % $2 = $3
"""
# The store's words of an article (KNOWN_WORDS), for the whole load at once: over the pieces
# the articles are made of, whose words are the articles' words (a word never spans the
# whitespace between two pieces), instead of over every article's text again.
WORDS = f"""
    INSERT INTO kb_words (language, word)
    SELECT DISTINCT s.language, k.word FROM kb_staging_pieces s,
        LATERAL ({KNOWN_WORDS.format(text="s.words")}) AS k
    ON CONFLICT DO NOTHING
"""
_SEARCH_INDEXES = """
    SELECT indexname, indexdef FROM pg_indexes
    WHERE tablename = 'kb_articles' AND indexdef ILIKE '%USING gin%'
"""
# The INSERT … SELECT runs on this many connections at once (the machine's two cores).
WRITERS = 2


async def _insert(url: str, now: datetime, part: int) -> None:
    conn = await asyncpg.connect(libpq_url(url))
    try:
        async with conn.transaction():
            # A bulk load: the audit trigger is not what is measured.
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute(INDEX, now, WRITERS, part)
    finally:
        await conn.close()


async def load(
    conn: asyncpg.Connection, url: str, pools: Pools, first: int, last: int, now: datetime
) -> dict[str, float]:
    """Articles `first`…`last`: generated, COPYed and indexed; seconds of each step."""
    rng = random.Random(first)
    started = time.perf_counter()
    records = []
    pieces: set[tuple[str, str]] = set()
    for n in range(first, last + 1):
        a = article(rng, pools, n)
        i = a.indexed
        records.append(
            (
                n,
                a.language,
                a.title,
                a.summary,
                a.body,
                a.body_html,
                a.category,
                i.config,
                i.title if i.title != a.title else None,
                i.summary if i.summary != a.summary else None,
                i.segmented_body,
            )
        )
        pieces.update((a.language, p) for p in a.pieces)
    prepared = time.perf_counter()
    for table in (STAGING, STAGING_PIECES):
        await conn.execute(table)
    await conn.execute("TRUNCATE kb_staging, kb_staging_pieces")
    await conn.copy_records_to_table("kb_staging", records=records)
    await conn.copy_records_to_table("kb_staging_pieces", records=sorted(pieces))
    copied = time.perf_counter()
    # A GIN index is built faster at once than kept up row by row.
    indexes = await conn.fetch(_SEARCH_INDEXES)
    for index in indexes:
        await conn.execute(f"DROP INDEX {index['indexname']}")
    await asyncio.gather(*(_insert(url, now, part) for part in range(WRITERS)))
    inserted = time.perf_counter()
    await conn.execute(WORDS)
    worded = time.perf_counter()
    await conn.execute("SET maintenance_work_mem = '256MB'")
    for index in indexes:
        await conn.execute(index["indexdef"])
    indexed = time.perf_counter()
    await conn.execute(
        "SELECT setval(pg_get_serial_sequence('kb_articles', 'id'),"
        " (SELECT max(id) FROM kb_articles))"
    )
    await conn.execute("VACUUM (ANALYZE) kb_articles")
    await conn.execute("VACUUM (ANALYZE) kb_words")
    return {
        "generate + render": prepared - started,
        "copy": copied - prepared,
        "insert + vectors": inserted - copied,
        "words": worded - inserted,
        "GIN indexes": indexed - worded,
        "vacuum": time.perf_counter() - indexed,
    }


def queries(rng: random.Random, count: int) -> list[dict[str, str]]:
    """One- and two-word queries in each language: half drawn as the text is (common words,
    matching thousands of articles), half any word of the vocabulary (rarer ones); a letter
    left out of one in ten (a typo)."""
    out = []
    for i in range(count):
        language = LANGUAGES[i % len(LANGUAGES)]
        vocabulary = VOCABULARY[language]
        k = 1 + i % 3 // 2
        if i % 2:
            words = rng.choices(vocabulary, cum_weights=CUMULATIVE[language], k=k)
        else:
            words = rng.choices(vocabulary, k=k)
        q = " ".join(words)
        if i % 10 == 9 and language != "th" and len(q) > 5:
            cut = rng.randrange(1, len(q) - 1)
            q = q[:cut] + q[cut + 1 :]
        out.append({"q": q, "language": language})
    return out


class Budget:
    """The bench's time, in all: each timing loop stops when it is spent."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.cut: list[str] = []

    def spent(self) -> bool:
        return time.monotonic() >= self.deadline


async def timings(budget: Budget, what: str, count: int, call: Any, floor: int = 60) -> list[float]:
    """Milliseconds of `count` calls of `call(i)` (each must answer 2xx); fewer when the budget
    is spent, but at least `floor` (a p95 of fewer says little)."""
    samples = []
    for i in range(count):
        if budget.spent() and len(samples) >= floor:
            budget.cut.append(f"{what}: {len(samples)} of {count} timed")
            break
        started = time.perf_counter()
        answered = await call(i)
        samples.append((time.perf_counter() - started) * 1000)
        assert answered.status_code < 300, answered.text
    return samples


async def measure(
    client: httpx.AsyncClient, budget: Budget, tickets: list[int], reps: int
) -> dict[str, tuple[float, float]]:
    for q in queries(random.Random(1), 20):  # warm: plans, caches
        await client.get("/v1/kb/search", params=q)
    asked = queries(random.Random(7), reps)
    before = cpu_now()
    searches = await timings(
        budget, "searches", reps, lambda i: client.get("/v1/kb/search", params=asked[i])
    )
    between = cpu_now()
    suggestions = await timings(
        budget,
        "suggestions",
        reps,
        lambda i: client.get(f"/v1/tickets/{tickets[i % len(tickets)]}/kb-suggestions"),
    )
    after = cpu_now()
    return {
        "search": percentiles(searches),
        "suggestions": percentiles(suggestions),
        "search CPU": _per_request(before, between, len(searches)),
        "suggestions CPU": _per_request(between, after, len(suggestions)),
    }


def cpu_now() -> tuple[float, float]:
    """CPU seconds (user + system) used so far by this process (the app and its client) and
    by the embedded PostgreSQL's processes (nan with DATABASE_URL: not ours to read)."""
    app = harness.cpu_seconds(psutil.Process())
    pid_file = harness.ROOT / ".bench-data" / "pgdata-kb" / "postmaster.pid"
    if os.environ.get("DATABASE_URL") or not pid_file.exists():
        return app, math.nan
    try:
        postmaster = psutil.Process(int(pid_file.read_text().split()[0]))
        return app, harness.cpu_seconds(postmaster)
    except (psutil.Error, ValueError):
        return app, math.nan


def _per_request(
    start: tuple[float, float], end: tuple[float, float], n: int
) -> tuple[float, float]:
    """CPU milliseconds a request, the app's and the database's: what a request costs whatever
    else the machine runs (its latency on a loaded machine is mostly waiting for a core)."""
    return ((end[0] - start[0]) * 1000 / n, (end[1] - start[1]) * 1000 / n)


async def create_tickets(client: httpx.AsyncClient, count: int) -> list[int]:
    """Tickets in each language to suggest articles for, made through the API."""
    rng = random.Random(3)
    ids = []
    for i in range(count):
        language = LANGUAGES[i % len(LANGUAGES)]
        made = await client.post(
            "/v1/tickets",
            json={
                "subject": _draw(rng, language, 4, 8)[:200],
                "description": _draw(rng, language, 30, 80),
                "language": language,
                "category": f"cat{i % 25}",
                "channel": "email",
            },
        )
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    return ids


async def index_one_by_one(
    client: httpx.AsyncClient, budget: Budget, pools: Pools, count: int
) -> tuple[float, float]:
    """Milliseconds (p50, p95) to create one published article through the API: rendered,
    segmented, indexed, its revision and its words written."""
    rng = random.Random(11)
    made = [article(rng, pools, n) for n in range(count)]

    def create(i: int) -> Any:
        a = made[i]
        return client.post(
            "/v1/kb/articles",
            json={
                "language": a.language,
                "title": a.title,
                "summary": a.summary,
                "body": a.body,
                "category": a.category,
                "status": "published",
                "visibility": "public",
            },
        )

    return percentiles(await timings(budget, "articles through the API", count, create, 10))


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


async def run(sizes: list[int], reps: int, pool_size: int, creates: int, seconds: float) -> None:
    budget = Budget(seconds)
    began = time.monotonic()
    server_url, stop = open_server("kb")
    try:
        url = await fresh_database(server_url, DATABASE)
        now = datetime.now(UTC).replace(microsecond=0)
        pools = make_pools(pool_size)
        check_indexed_as_the_service_does(pools)
        print(f"pools of {pool_size:,} pieces a language: {time.monotonic() - began:.0f} s")
        results: dict[int, dict[str, tuple[float, float]]] = {}
        bulk: dict[int, float] = {}
        loads: dict[int, str] = {}
        conn = await asyncpg.connect(libpq_url(url))
        try:
            async with in_process(url, now, request_seconds=120) as service:
                tickets = await create_tickets(service.client, 50)
                loaded = 0
                for size in sorted(sizes):
                    print(f"loading articles {loaded + 1:,}…{size:,}", flush=True)
                    steps = await load(conn, url, pools, loaded + 1, size, now)
                    bulk[size] = sum(steps.values()) * 1000 / (size - loaded)
                    print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()))
                    loaded = size
                    before = load_average()
                    results[size] = await measure(service.client, budget, tickets, reps)
                    loads[size] = f"{before} → {load_average()}"
                    print(f"  {size:,}: {results[size]} (load average {loads[size]})", flush=True)
                one_by_one = await index_one_by_one(service.client, budget, pools, creates)
        finally:
            await conn.close()
        report(results, bulk, one_by_one, loads, budget, time.monotonic() - began)
    finally:
        stop()


def report(
    results: dict[int, dict[str, tuple[float, float]]],
    bulk: dict[int, float],
    one_by_one: tuple[float, float],
    loads: dict[int, str],
    budget: Budget,
    elapsed: float,
) -> None:
    sizes = sorted(results)
    print(f"\n{'':<24}" + "".join(f"{f'{n:,} articles':>24}" for n in sizes))
    for name in ("search", "suggestions"):
        for i, label in ((0, "p50"), (1, "p95")):
            cells = "".join(f"{results[n][name][i]:>21.1f} ms" for n in sizes)
            print(f"{name + ' ' + label:<24}{cells}")
    for name in ("search CPU", "suggestions CPU"):
        cells = "".join(
            f"{f'{results[n][name][0]:.1f} + {results[n][name][1]:.1f}':>21} ms" for n in sizes
        )
        print(f"{name + ' app + db':<24}{cells}")
    cells = "".join(f"{bulk[n]:>21.2f} ms" for n in sizes)
    print(f"{'bulk load / article':<24}{cells}")
    print(f"{'load average (1, 5, 15)':<24}" + "".join(f"{loads[n]:>28}" for n in sizes))
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
    print(
        f"one article through the API at {big:,} (render, segment, index, revision, words):"
        f" p50 {one_by_one[0]:.1f} ms, p95 {one_by_one[1]:.1f} ms"
    )
    for cut in budget.cut:
        print(f"budget spent, cut short: {cut}")
    print(f"total {elapsed:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--reps", type=int, default=None, help="searches and suggestions timed")
    parser.add_argument(
        "--quick", action="store_true", help="2,000 then 10,000 articles, 60 timings each"
    )
    parser.add_argument("--budget", type=float, default=600.0, help="seconds in all, at most")
    args = parser.parse_args()
    sizes = args.sizes or ([2_000, 10_000] if args.quick else [10_000, 100_000])
    reps = args.reps or (60 if args.quick else 200)
    asyncio.run(
        run(
            sizes,
            reps,
            pool_size=400 if args.quick else 1_000,
            creates=10 if args.quick else 30,
            seconds=args.budget,
        )
    )


if __name__ == "__main__":
    main()
