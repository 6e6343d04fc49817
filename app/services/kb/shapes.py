"""What the knowledge base's responses show of its rows: articles, revisions, diffs, hits."""

import html
from datetime import datetime

from app.domain import kb
from app.errors import NotFound
from app.schemas.kb import (
    ArticleOut,
    FieldChangeOut,
    HitOut,
    RevisionOut,
    ServedArticleOut,
    TranslationState,
)
from app.store.kb.articles import ArticleRow, RevisionRow
from app.store.kb.search import MARK_START, MARK_STOP, HitDetail


def no_article(article_id: int) -> NotFound:
    return NotFound(f"article {article_id} does not exist")


def facts(row: ArticleRow) -> kb.ArticleFacts:
    return kb.ArticleFacts(
        status=row.status,
        visibility=row.visibility,
        publish_at=row.publish_at,
        owner_team_id=row.owner_team_id,
        author_key_id=row.author_key_id,
        author_agent_id=row.author_agent_id,
    )


def content(row: ArticleRow | RevisionRow) -> kb.Content:
    return kb.Content(row.title, row.summary, row.body, row.category, tuple(row.tags))


def article_out(row: ArticleRow, now: datetime, source_current: int | None = None) -> ArticleOut:
    translation = None
    if row.source_article_id is not None and row.source_revision is not None:
        current = source_current if source_current is not None else row.source_revision
        translation = TranslationState(
            source_article_id=row.source_article_id,
            source_revision=row.source_revision,
            source_current_revision=current,
            outdated=kb.is_outdated(row.source_revision, current),
        )
    return ArticleOut(
        id=row.id,
        group_id=row.group_id,
        language=row.language,
        title=row.title,
        summary=row.summary,
        body=row.body,
        body_html=row.body_html,
        category=row.category,
        tags=row.tags,
        status=kb.shown_status(row.status, row.publish_at, now),  # type: ignore[arg-type]
        visibility=row.visibility,  # type: ignore[arg-type]
        owner_team_id=row.owner_team_id,
        author_key_id=row.author_key_id,
        author_agent_id=row.author_agent_id,
        publish_at=row.publish_at,
        published_at=row.published_at,
        archived_at=row.archived_at,
        review_by=row.review_by,
        past_review=kb.past_review(row.review_by, row.status, now),
        revision=row.revision,
        version=row.version,
        translation=translation,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def served_out(
    row: ArticleRow, now: datetime, source_current: int | None, requested: str | None
) -> ServedArticleOut:
    base = article_out(row, now, source_current)
    return ServedArticleOut(
        **base.model_dump(), requested_language=requested, served_language=row.language
    )


def revision_out(row: RevisionRow) -> RevisionOut:
    return RevisionOut(
        article_id=row.article_id,
        number=row.number,
        title=row.title,
        summary=row.summary,
        body=row.body,
        category=row.category,
        tags=row.tags,
        author_key_id=row.author_key_id,
        author_agent_id=row.author_agent_id,
        restored_from=row.restored_from,
        created_at=row.created_at,
    )


def changes_out(changes: list[kb.FieldChange]) -> list[FieldChangeOut]:
    return [
        FieldChangeOut(field=c.field, diff=c.diff, added=c.added, removed=c.removed)
        for c in changes
    ]


def marked(snippet: str) -> str:
    """The snippet as HTML: its text escaped (an article's Markdown may hold anything), the
    matched words in <mark>."""
    return (
        html.escape(snippet, quote=False)
        .replace(MARK_START, "<mark>")
        .replace(MARK_STOP, "</mark>")
    )


def hit_out(detail: HitDetail, rank: float, *, similar: bool) -> HitOut:
    a = detail.article
    matched = [
        name
        for name, found in (
            ("title", detail.in_title),
            ("summary", detail.in_summary),
            ("body", detail.in_body),
        )
        if found
    ]
    return HitOut(
        article_id=a.id,
        group_id=a.group_id,
        language=a.language,
        title=a.title,
        summary=a.summary,
        category=a.category,
        visibility=a.visibility,  # type: ignore[arg-type]
        rank=rank,
        matched=matched,  # type: ignore[arg-type]
        match="similar" if similar else "full_text",
        snippet=marked(detail.snippet),
    )
