"""The knowledge base: articles (with their immutable revisions and translations), the tickets
they solved, and every search made of them."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlmodel import Field, SQLModel

from app.models.base import reference, timestamp

# Migration 0028 defines the function.
WORD_HASHES = "kb_word_hashes(search_vector)"


class KbArticle(SQLModel, table=True):
    """An article in one language: its current content (that of revision `revision`), its
    life (draft, published, archived), who sees it, and the words it is found by."""

    __tablename__ = "kb_articles"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    # Articles that translate each other share a group: the id of the original, which is the
    # group's default when a reader's language has no translation.
    group_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("kb_articles.id"), nullable=False)
    )
    # A translation: the article it was made from, and that article's revision it follows.
    source_article_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, ForeignKey("kb_articles.id"), nullable=True)
    )
    source_revision: int | None = Field(default=None, sa_type=Integer)
    language: str = Field(sa_type=String(35))
    # The primary subtag (`nl` of `nl-BE`): what a search in a language filters on.
    base_language: str = Field(sa_type=String(8))
    title: str = Field(sa_type=Text)
    summary: str | None = Field(default=None, sa_type=Text)
    body: str = Field(sa_type=Text)
    body_html: str = Field(sa_type=Text)
    category: str | None = Field(default=None, sa_type=String(200))
    tags: list[str] = Field(
        sa_column=Column(ARRAY(Text), nullable=False, server_default=text("'{}'"))
    )
    status: str = Field(sa_type=String(20))
    visibility: str = Field(sa_type=String(20))
    owner_team_id: int | None = reference("teams.id", index=False)
    author_key_id: int | None = reference("api_keys.id", index=False)
    author_agent_id: int | None = reference("agents.id", index=False)
    publish_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    published_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    archived_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    review_by: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revision: int = Field(sa_type=Integer)
    version: int = Field(default=1)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    # The text search configuration the words were stemmed with (app.domain.kb).
    search_config: str = Field(sa_type=String(20))
    # Title (weight A), summary (B) and body (C), stemmed; Thai segmented into words first.
    search_vector: Any = Field(default=None, sa_column=Column(TSVECTOR, nullable=False))
    # Title (A) and summary (B) alone: small enough to stay in the row, so a word found in
    # thousands of bodies still finds the articles it is the subject of first (app.store.kb.search).
    head_vector: Any = Field(default=None, sa_column=Column(TSVECTOR, nullable=False))
    # The body as the search sees its words, when that differs from `body` (Thai): snippets
    # are cut from it.
    search_body: str | None = Field(default=None, sa_type=Text)
    # The words of `search_vector` as 32-bit hashes: small enough to stay in the row, so
    # choosing a search's candidates never reads the weighted vector out of line.
    word_hashes: list[int] = Field(
        default=None,
        sa_column=Column(ARRAY(Integer), Computed(WORD_HASHES, persisted=True), nullable=False),
    )
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'published', 'archived')", name="kb_articles_status_check"
        ),
        CheckConstraint(
            "visibility IN ('internal', 'public')", name="kb_articles_visibility_check"
        ),
        CheckConstraint(
            "(source_article_id IS NULL) = (source_revision IS NULL)",
            name="kb_articles_source_check",
        ),
        Index("kb_articles_words_idx", "word_hashes", postgresql_using="gin"),
        Index("kb_articles_head_idx", "head_vector", postgresql_using="gin"),
        # The trigram fallback matches titles (app.store.kb.search.search_similar).
        Index(
            "kb_articles_title_trgm_idx",
            text("lower(title) gin_trgm_ops"),
            postgresql_using="gin",
        ),
        Index("kb_articles_group_idx", "group_id", "id"),
        Index("kb_articles_source_idx", "source_article_id"),
        Index("kb_articles_language_idx", "base_language", "status", "id"),
        Index("kb_articles_updated_idx", "updated_at", "id"),
    )


class KbWord(SQLModel, table=True):
    """A word the articles of a language are written in (lower case, Thai segmented): a query's
    unknown word is corrected to the nearest of these (trigram similarity) before full text."""

    __tablename__ = "kb_words"
    # The primary subtag, as kb_articles.base_language.
    language: str = Field(primary_key=True, sa_type=String(8))
    word: str = Field(primary_key=True, sa_type=Text)
    __table_args__ = (
        Index("kb_words_trgm_idx", text("word gin_trgm_ops"), postgresql_using="gin"),
    )


class KbRevision(SQLModel, table=True):
    """One revision of an article's content, as written: never changed (a trigger refuses it)."""

    __tablename__ = "kb_revisions"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    article_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("kb_articles.id"), nullable=False)
    )
    number: int = Field(sa_type=Integer)
    title: str = Field(sa_type=Text)
    summary: str | None = Field(default=None, sa_type=Text)
    body: str = Field(sa_type=Text)
    category: str | None = Field(default=None, sa_type=String(200))
    tags: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    author_key_id: int | None = reference("api_keys.id", index=False)
    author_agent_id: int | None = reference("agents.id", index=False)
    # A restore: the revision whose content this one brings back.
    restored_from: int | None = Field(default=None, sa_type=Integer)
    created_at: datetime = timestamp()
    __table_args__ = (UniqueConstraint("article_id", "number", name="kb_revisions_number_key"),)


class KbLink(SQLModel, table=True):
    """An article that solved a ticket: linked by an agent, or found in a public reply."""

    __tablename__ = "kb_links"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    )
    article_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("kb_articles.id"), nullable=False)
    )
    origin: str = Field(sa_type=String(20))
    linked_by_key_id: int | None = reference("api_keys.id", index=False)
    linked_at: datetime = timestamp()
    __table_args__ = (
        UniqueConstraint("ticket_id", "article_id", name="kb_links_once_key"),
        CheckConstraint("origin IN ('agent', 'interaction')", name="kb_links_origin_check"),
        Index("kb_links_article_idx", "article_id", "linked_at"),
        Index("kb_links_linked_at_idx", "linked_at"),
    )


class KbSearch(SQLModel, table=True):
    """A search of the knowledge base, or the suggestions made for a ticket: what was asked, in
    which language, by which audience, how many results, and which one was opened or used."""

    __tablename__ = "kb_searches"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    kind: str = Field(sa_type=String(20))
    query: str = Field(sa_type=Text)
    language: str | None = Field(default=None, sa_type=String(35))
    audience: str = Field(sa_type=String(20))
    result_count: int = Field(sa_type=Integer)
    # The first page's article ids, in their order.
    result_ids: list[int] = Field(sa_column=Column(ARRAY(BigInteger), nullable=False))
    key_id: int | None = reference("api_keys.id", index=False)
    customer_id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger, ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
        ),
    )
    ticket_id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=True),
    )
    opened_article_id: int | None = reference("kb_articles.id", index=False)
    opened_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    used_article_id: int | None = reference("kb_articles.id", index=False)
    searched_at: datetime = timestamp()
    __table_args__ = (
        CheckConstraint("kind IN ('search', 'suggestion')", name="kb_searches_kind_check"),
        CheckConstraint("audience IN ('internal', 'public')", name="kb_searches_audience_check"),
        Index("kb_searches_searched_at_idx", "searched_at", "id"),
        Index(
            "kb_searches_ticket_idx",
            "ticket_id",
            "id",
            postgresql_where=text("ticket_id IS NOT NULL"),
        ),
        Index(
            "kb_searches_customer_idx",
            "customer_id",
            "searched_at",
            postgresql_where=text("customer_id IS NOT NULL"),
        ),
    )
