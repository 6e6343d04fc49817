"""Articles: writing one (each content edit an immutable revision), its life and audience,
reading it in the reader's language, its revisions, their diff, a restore, its translations."""

from datetime import datetime

from app.db import Connection, connection, transaction
from app.domain import kb
from app.domain.access import Principal
from app.errors import Conflict, InvalidTransition, NotFound, UnprocessableEntity
from app.schemas import Page
from app.schemas.kb import (
    ArticleCreate,
    ArticleListQuery,
    ArticleOut,
    ArticleUpdate,
    DiffOut,
    PageQuery,
    RevisionOut,
    ServedArticleOut,
    TranslationOut,
)
from app.services import if_match
from app.services.context import Desk
from app.services.kb.shapes import (
    article_out,
    changes_out,
    content,
    facts,
    no_article,
    revision_out,
    served_out,
)
from app.services.tickets import change
from app.store import teams
from app.store.kb import articles as article_store
from app.store.kb import usage as usage_store
from app.store.kb.articles import ArticleContent, ArticleRow, ArticleState, NewArticle, NewRevision


def _content(
    title: str,
    summary: str | None,
    body: str,
    category: str | None,
    tags: list[str] | tuple[str, ...],
) -> ArticleContent:
    return ArticleContent(
        title=title,
        summary=summary or None,
        body=body,
        body_html=kb.render(body),
        category=category,
        tags=list(kb.unique_tags(tags)),
    )


def _revision(
    article_id: int, number: int, c: ArticleContent, actor: Principal, now: datetime, **extra: int
) -> NewRevision:
    return NewRevision(
        article_id=article_id,
        number=number,
        title=c.title,
        summary=c.summary,
        body=c.body,
        category=c.category,
        tags=c.tags,
        author_key_id=actor.key_id or None,
        author_agent_id=actor.agent_id,
        restored_from=extra.get("restored_from"),
        created_at=now,
    )


async def _known_team(conn: Connection, team_id: int | None) -> None:
    if team_id is not None and await teams.get(conn, team_id) is None:
        raise UnprocessableEntity(
            f"team {team_id} does not exist",
            errors=[{"field": "owner_team_id", "message": f"team {team_id} does not exist"}],
        )


async def _visible(
    conn: Connection, article_id: int, reader: kb.Reader, now: datetime, *, lock: bool = False
) -> ArticleRow:
    """The article if the reader sees it; 404 otherwise (an unseen draft does not exist)."""
    row = await article_store.get_article(conn, article_id, lock=lock)
    if row is None or not kb.sees(reader, facts(row), now):
        raise no_article(article_id)
    return row


async def create(desk: Desk, data: ArticleCreate, *, actor: Principal, now: datetime) -> ArticleOut:
    """A new article at revision 1; a translation joins its source's group and follows the
    source's current revision."""
    reader = kb.reader_of(actor)
    c = _content(data.title, data.summary, data.body, data.category, data.tags)
    async with transaction(desk.db) as conn:
        await _known_team(conn, data.owner_team_id)
        group_id = source_id = source_revision = None
        if data.translation_of is not None:
            source = await article_store.get_article(conn, data.translation_of, lock=True)
            if source is None or not kb.sees(reader, facts(source), now):
                raise UnprocessableEntity(
                    f"article {data.translation_of} does not exist",
                    errors=[
                        {
                            "field": "translation_of",
                            "message": f"article {data.translation_of} does not exist",
                        }
                    ],
                )
            group = await article_store.of_group(conn, source.group_id)
            taken = {a.language.lower() for a in group}
            if data.language.lower() in taken:
                raise Conflict(
                    f"article group {source.group_id} already has a translation in "
                    f"{data.language}: edit that one"
                )
            group_id, source_id, source_revision = source.group_id, source.id, source.revision
        row = await article_store.insert_article(
            conn,
            NewArticle(
                group_id=group_id,
                source_article_id=source_id,
                source_revision=source_revision,
                language=data.language,
                base_language=kb.base_language(data.language),
                content=c,
                state=ArticleState(
                    status=data.status,
                    visibility=data.visibility,
                    owner_team_id=data.owner_team_id,
                    publish_at=data.publish_at,
                    published_at=now if data.status == "published" else None,
                    archived_at=now if data.status == "archived" else None,
                    review_by=data.review_by,
                    source_revision=source_revision,
                ),
                author_key_id=actor.key_id or None,
                author_agent_id=actor.agent_id,
                indexed=kb.indexed_text(data.language, c.title, c.summary, c.body),
                now=now,
            ),
        )
        await article_store.insert_revision(conn, _revision(row.id, 1, c, actor, now))
        await _announce(conn, None, row, new_revision=False, now=now)
    return article_out(row, now, source_revision)


async def _announce(
    conn: Connection,
    before_status: str | None,
    row: ArticleRow,
    *,
    new_revision: bool,
    now: datetime,
) -> None:
    """The desk events of the write that left the article as `row` (staff feeds only)."""
    types = kb.article_events(before_status, row.status, new_revision)
    if not types:
        return
    payload = kb.article_event_payload(
        article_id=row.id,
        group_id=row.group_id,
        source_article_id=row.source_article_id,
        language=row.language,
        status=row.status,
        publish_at=row.publish_at,
        visibility=row.visibility,
        revision=row.revision,
        now=now,
    )
    await change.record(conn, [], [(t, None, payload) for t in types], at=now)


def _next_state(row: ArticleRow, data: ArticleUpdate, now: datetime) -> ArticleState:
    given = data.model_fields_set
    status = data.status if data.status is not None else row.status
    refused = kb.transition_refusal(row.status, status)
    if refused is not None:
        raise InvalidTransition(refused, allowed=sorted(kb.TRANSITIONS[row.status]))
    published_at, archived_at = row.published_at, row.archived_at
    if status == "published" and row.status != "published":
        published_at = published_at or now
    if status == "archived" and row.status != "archived":
        archived_at = now
    if status != "archived":
        archived_at = None
    source_revision = row.source_revision
    if data.source_revision is not None:
        if row.source_article_id is None:
            raise Conflict(f"article {row.id} translates no article: it has no source_revision")
        source_revision = data.source_revision
    return ArticleState(
        status=status,
        visibility=data.visibility if data.visibility is not None else row.visibility,
        owner_team_id=data.owner_team_id if "owner_team_id" in given else row.owner_team_id,
        publish_at=data.publish_at if "publish_at" in given else row.publish_at,
        published_at=published_at,
        archived_at=archived_at,
        review_by=data.review_by if "review_by" in given else row.review_by,
        source_revision=source_revision,
    )


def _state(row: ArticleRow) -> ArticleState:
    return ArticleState(
        status=row.status,
        visibility=row.visibility,
        owner_team_id=row.owner_team_id,
        publish_at=row.publish_at,
        published_at=row.published_at,
        archived_at=row.archived_at,
        review_by=row.review_by,
        source_revision=row.source_revision,
    )


async def update(
    desk: Desk,
    article_id: int,
    data: ArticleUpdate,
    *,
    expected_version: int,
    actor: Principal,
    now: datetime,
) -> ArticleOut:
    """Change the article the caller read (If-Match). New content is a new revision by the
    caller; the life, audience and review date change the article alone."""
    reader = kb.reader_of(actor)
    given = data.model_fields_set
    async with transaction(desk.db) as conn:
        row = await _visible(conn, article_id, reader, now, lock=True)
        if_match.check(f"article {article_id}", row.version, expected_version)
        state = _next_state(row, data, now)
        if "owner_team_id" in given:
            await _known_team(conn, data.owner_team_id)
        if state.source_revision is not None and row.source_article_id is not None:
            current = (await article_store.current_revisions(conn, [row.source_article_id])).get(
                row.source_article_id, 0
            )
            if state.source_revision > current:
                raise Conflict(
                    f"the source article is at revision {current}: a translation cannot "
                    f"follow revision {state.source_revision}"
                )
        old = content(row)
        new = _content(
            data.title if data.title is not None else row.title,
            data.summary if "summary" in given else row.summary,
            data.body if data.body is not None else row.body,
            data.category if "category" in given else row.category,
            data.tags if data.tags is not None else row.tags,
        )
        before_status = row.status
        new_revision = bool(kb.changed_fields(old, _as_content(new)))
        if new_revision:
            row = await _write_content(conn, row, new, actor, now)
        if state != _state(row):
            row = await article_store.update_state(conn, row.id, state, now)
        await _announce(conn, before_status, row, new_revision=new_revision, now=now)
        current_source = await _source_revision(conn, row)
    return article_out(row, now, current_source)


def _as_content(c: ArticleContent) -> kb.Content:
    return kb.Content(c.title, c.summary, c.body, c.category, tuple(c.tags))


async def _write_content(
    conn: Connection,
    row: ArticleRow,
    c: ArticleContent,
    actor: Principal,
    now: datetime,
    *,
    restored_from: int | None = None,
) -> ArticleRow:
    indexed = kb.indexed_text(row.language, c.title, c.summary, c.body)
    updated = await article_store.update_content(conn, row.id, c, indexed, now)
    extra = {} if restored_from is None else {"restored_from": restored_from}
    await article_store.insert_revision(
        conn, _revision(row.id, updated.revision, c, actor, now, **extra)
    )
    return updated


async def _source_revision(conn: Connection, row: ArticleRow) -> int | None:
    if row.source_article_id is None:
        return None
    return (await article_store.current_revisions(conn, [row.source_article_id])).get(
        row.source_article_id
    )


async def restore(
    desk: Desk,
    article_id: int,
    number: int,
    *,
    expected_version: int,
    actor: Principal,
    now: datetime,
) -> ArticleOut:
    """Bring back revision `number`'s content as a new revision (history is never rewritten)."""
    reader = kb.reader_of(actor)
    async with transaction(desk.db) as conn:
        row = await _visible(conn, article_id, reader, now, lock=True)
        if_match.check(f"article {article_id}", row.version, expected_version)
        old = await article_store.get_revision(conn, article_id, number)
        if old is None:
            raise NotFound(f"article {article_id} has no revision {number}")
        c = _content(old.title, old.summary, old.body, old.category, old.tags)
        row = await _write_content(conn, row, c, actor, now, restored_from=number)
        await _announce(conn, row.status, row, new_revision=True, now=now)
        current_source = await _source_revision(conn, row)
    return article_out(row, now, current_source)


async def read(
    desk: Desk,
    article_id: int,
    *,
    reader: kb.Reader,
    language: str | None,
    search_id: int | None,
    now: datetime,
) -> ServedArticleOut:
    """The article, or the translation of its group in the reader's language by the fallback
    chain (`nl-BE` → `nl` → the group's default); opened from a search, that is recorded."""
    async with transaction(desk.db) as conn:
        row = await _visible(conn, article_id, reader, now)
        if language is not None:
            group = [
                a
                for a in await article_store.of_group(conn, row.group_id)
                if kb.sees(reader, facts(a), now)
            ]
            by_language = {a.language: a.id for a in group}
            default = next((a for a in group if a.id == row.group_id), row)
            chosen = kb.choose_translation(by_language, language, default.language)
            if chosen is not None:
                row = next(a for a in group if a.id == chosen[0])
        if search_id is not None:
            await opened(conn, search_id, row.id, reader, now)
        current_source = await _source_revision(conn, row)
    return served_out(row, now, current_source, language)


async def opened(
    conn: Connection, search_id: int, article_id: int, reader: kb.Reader, now: datetime
) -> None:
    """Record that `article_id` was opened from the reader's search `search_id`."""
    search = await usage_store.get_search(conn, search_id)
    if search is None or not kb.owns_search(reader, search.key_id, search.customer_id):
        # Another caller's search is not there for this one: it cannot be probed.
        raise UnprocessableEntity(
            f"search {search_id} does not exist",
            errors=[{"field": "search_id", "message": f"search {search_id} does not exist"}],
        )
    await usage_store.mark_opened(conn, search_id, article_id, now)


async def list_articles(
    desk: Desk, query: ArticleListQuery, *, reader: kb.Reader, now: datetime
) -> Page[ArticleOut]:
    filters = article_store.ArticleFilters(
        base_language=kb.base_language(query.language) if query.language else None,
        category=query.category,
        status=query.status,
        visibility=query.visibility,
        group_id=query.group_id,
    )
    async with connection(desk.db) as conn:
        rows, next_cursor = await article_store.page_articles(
            conn, filters, reader, now, limit=query.limit, cursor=query.cursor
        )
        sources = await article_store.current_revisions(
            conn, [r.source_article_id for r in rows if r.source_article_id is not None]
        )
    items = [
        article_out(r, now, sources.get(r.source_article_id) if r.source_article_id else None)
        for r in rows
    ]
    return Page[ArticleOut](items=items, next_cursor=next_cursor)


async def revisions(
    desk: Desk, article_id: int, query: PageQuery, *, reader: kb.Reader, now: datetime
) -> Page[RevisionOut]:
    async with connection(desk.db) as conn:
        await _visible(conn, article_id, reader, now)
        rows, next_cursor = await article_store.page_revisions(
            conn, article_id, limit=query.limit, cursor=query.cursor
        )
    return Page[RevisionOut](items=[revision_out(r) for r in rows], next_cursor=next_cursor)


async def revision(
    desk: Desk, article_id: int, number: int, *, reader: kb.Reader, now: datetime
) -> RevisionOut:
    async with connection(desk.db) as conn:
        await _visible(conn, article_id, reader, now)
        row = await article_store.get_revision(conn, article_id, number)
    if row is None:
        raise NotFound(f"article {article_id} has no revision {number}")
    return revision_out(row)


async def diff(
    desk: Desk,
    article_id: int,
    from_revision: int,
    to_revision: int,
    *,
    reader: kb.Reader,
    now: datetime,
) -> DiffOut:
    """What changed from one revision to another, field by field."""
    async with connection(desk.db) as conn:
        await _visible(conn, article_id, reader, now)
        old = await article_store.get_revision(conn, article_id, from_revision)
        new = await article_store.get_revision(conn, article_id, to_revision)
    for number, found in ((from_revision, old), (to_revision, new)):
        if found is None:
            raise NotFound(f"article {article_id} has no revision {number}")
    assert old is not None and new is not None
    changes = kb.diff(content(old), content(new), f"r{from_revision}", f"r{to_revision}")
    return DiffOut(
        article_id=article_id,
        from_revision=from_revision,
        to_revision=to_revision,
        changes=changes_out(changes),
    )


async def translations(
    desk: Desk, article_id: int, *, reader: kb.Reader, now: datetime
) -> list[TranslationOut]:
    """The article's group, each translation with whether it is outdated and what changed in
    its source since the revision it follows."""
    async with connection(desk.db) as conn:
        row = await _visible(conn, article_id, reader, now)
        group = [
            a
            for a in await article_store.of_group(conn, row.group_id)
            if kb.sees(reader, facts(a), now)
        ]
        current = {a.id: a.revision for a in group}
        out: list[TranslationOut] = []
        for a in group:
            changes: list[kb.FieldChange] = []
            source_current = None
            if a.source_article_id is not None and a.source_revision is not None:
                source_current = current.get(a.source_article_id)
                if source_current is None:
                    source_current = (
                        await article_store.current_revisions(conn, [a.source_article_id])
                    ).get(a.source_article_id)
                if kb.is_outdated(a.source_revision, source_current):
                    assert source_current is not None
                    followed = await article_store.get_revision(
                        conn, a.source_article_id, a.source_revision
                    )
                    latest = await article_store.get_revision(
                        conn, a.source_article_id, source_current
                    )
                    if followed is not None and latest is not None:
                        changes = kb.diff(
                            content(followed),
                            content(latest),
                            f"r{a.source_revision}",
                            f"r{source_current}",
                        )
            out.append(
                TranslationOut(
                    id=a.id,
                    language=a.language,
                    title=a.title,
                    status=kb.shown_status(a.status, a.publish_at, now),  # type: ignore[arg-type]
                    source_article_id=a.source_article_id,
                    source_revision=a.source_revision,
                    source_current_revision=source_current,
                    outdated=kb.is_outdated(a.source_revision, source_current),
                    changed_fields=[c.field for c in changes],
                    changes=changes_out(changes),
                )
            )
    return out
