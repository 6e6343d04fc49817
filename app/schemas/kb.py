"""Knowledge base shapes: articles, revisions and their diff, translations, search hits, a
ticket's suggestions and links, and the knowledge base's KPIs."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from app.schemas.common import (
    NOT_BLANK,
    OMITTED,
    AwareDatetime,
    Id,
    LanguageTag,
    QueryIdValue,
    QueryTextValue,
    Strict,
    Stripped,
    no_default,
)

ArticleStatus = Literal["draft", "published", "archived"]
ShownStatus = Literal["draft", "scheduled", "published", "archived"]
ArticleVisibility = Literal["internal", "public"]
Title = Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=NOT_BLANK), Stripped]
Summary = Annotated[str, StringConstraints(max_length=2000), Stripped]
Body = Annotated[str, StringConstraints(min_length=1, max_length=200_000, pattern=NOT_BLANK)]
Category = Annotated[str, StringConstraints(min_length=1, max_length=200), Stripped]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NOT_BLANK), Stripped]
Cursor = Annotated[str, StringConstraints(max_length=512)]


class ArticleCreate(Strict):
    """A new article (revision 1), or a translation of another (`translation_of`)."""

    title: Title
    body: Body = Field(description="Markdown; served also as sanitised HTML (`body_html`).")
    summary: Summary | None = None
    category: Category | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    language: LanguageTag = Field(description="BCP 47 tag, e.g. `en`, `nl-BE`, `th`.")
    visibility: ArticleVisibility = "internal"
    status: ArticleStatus = "draft"
    publish_at: AwareDatetime | None = Field(
        default=None,
        description="A published article is shown from this instant on (`scheduled` before).",
    )
    review_by: AwareDatetime | None = None
    owner_team_id: Id | None = None
    translation_of: Id | None = Field(
        default=None,
        description="The article this one translates: it joins that article's group and "
        "records the revision it was made from.",
    )


class ArticleUpdate(Strict):
    """Changed fields only. Content (title, body, summary, category, tags) makes a new revision;
    `source_revision` says a translation now follows that revision of its source."""

    # May be left out, not set to null: an article always has these.
    title: Title = OMITTED
    body: Body = OMITTED
    summary: Summary | None = None
    category: Category | None = None
    tags: list[Tag] = Field(default=None, max_length=50, json_schema_extra=no_default)
    visibility: ArticleVisibility = OMITTED
    status: ArticleStatus = OMITTED
    publish_at: AwareDatetime | None = None
    review_by: AwareDatetime | None = None
    owner_team_id: Id | None = None
    source_revision: int | None = Field(default=None, ge=1, le=2**31 - 1)


class TranslationState(BaseModel):
    source_article_id: int
    source_revision: int = Field(description="The source's revision this translation follows.")
    source_current_revision: int
    outdated: bool = Field(description="The source has a newer revision.")


class ArticleOut(BaseModel):
    id: int
    group_id: int = Field(description="Articles translating each other share it.")
    language: str
    title: str
    summary: str | None
    body: str
    body_html: str = Field(description="The body rendered from Markdown and sanitised.")
    category: str | None
    tags: list[str]
    status: ShownStatus
    visibility: ArticleVisibility
    owner_team_id: int | None
    author_key_id: int | None
    author_agent_id: int | None
    publish_at: datetime | None
    published_at: datetime | None
    archived_at: datetime | None
    review_by: datetime | None
    past_review: bool
    revision: int = Field(description="The current revision's number.")
    version: int = Field(description="Send as If-Match (the ETag) to change the article.")
    translation: TranslationState | None
    created_at: datetime
    updated_at: datetime


class ServedArticleOut(ArticleOut):
    requested_language: str | None
    served_language: str = Field(description="The language served after the fallback chain.")


class ArticleListQuery(BaseModel):
    language: LanguageTag | None = Field(default=None, description="Its primary subtag.")
    category: QueryTextValue | None = None
    status: ArticleStatus | None = None
    visibility: ArticleVisibility | None = None
    group_id: QueryIdValue | None = None
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: Cursor | None = Field(default=None, description="`next_cursor` of the previous page.")


class ArticleReadQuery(BaseModel):
    language: LanguageTag | None = Field(
        default=None,
        description="The reader's language: the group's translation in it, else in its primary "
        "subtag, else the group's default is served.",
    )
    search_id: QueryIdValue | None = Field(
        default=None, description="The search this article was opened from (recorded)."
    )


class RevisionOut(BaseModel):
    article_id: int
    number: int
    title: str
    summary: str | None
    body: str
    category: str | None
    tags: list[str]
    author_key_id: int | None
    author_agent_id: int | None
    restored_from: int | None
    created_at: datetime


class PageQuery(BaseModel):
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: Cursor | None = Field(default=None, description="`next_cursor` of the previous page.")


class DiffQuery(BaseModel):
    from_revision: int = Field(alias="from", ge=1, le=2**31 - 1)
    to_revision: int = Field(alias="to", ge=1, le=2**31 - 1)


class FieldChangeOut(BaseModel):
    field: str
    diff: list[str] = Field(description="Text fields: a unified diff of the lines.")
    added: list[str] = Field(description="Tags added.")
    removed: list[str] = Field(description="Tags removed.")


class DiffOut(BaseModel):
    article_id: int
    from_revision: int
    to_revision: int
    changes: list[FieldChangeOut]


class TranslationOut(BaseModel):
    id: int
    language: str
    title: str
    status: ShownStatus
    source_article_id: int | None
    source_revision: int | None
    source_current_revision: int | None
    outdated: bool
    changed_fields: list[str] = Field(
        description="What changed in the source since the revision this translation follows."
    )
    changes: list[FieldChangeOut]


class SearchQuery(BaseModel):
    q: QueryTextValue = Field(min_length=1, description="What to find (web search syntax).")
    language: LanguageTag | None = Field(
        default=None,
        description="The query's language: only articles in it (its primary subtag) are "
        "searched, with its stemming. Without it, every language is searched.",
    )
    category: QueryTextValue | None = None
    visibility: ArticleVisibility | None = Field(
        default=None, description="Agents: only internal or only public articles."
    )
    limit: int = Field(default=10, ge=1, le=50, description="Page size (1–50).")
    cursor: Cursor | None = Field(default=None, description="`next_cursor` of the previous page.")


MatchedField = Literal["title", "summary", "body"]


class HitOut(BaseModel):
    article_id: int
    group_id: int
    language: str
    title: str
    summary: str | None
    category: str | None
    visibility: ArticleVisibility
    rank: float
    matched: list[MatchedField] = Field(description="The fields the query's words were found in.")
    match: Literal["full_text", "similar"] = Field(
        description="`similar`: found by trigram similarity (a typo, a very short query)."
    )
    snippet: str = Field(
        description="HTML-escaped text around the matched words, each in `<mark>`."
    )


class SearchResultOut(BaseModel):
    search_id: int | None = Field(
        description="The search as recorded (first pages only): send it when a hit is opened."
    )
    items: list[HitOut]
    next_cursor: str | None


class OpenedIn(Strict):
    article_id: Id


class SuggestionsOut(BaseModel):
    search_id: int
    ticket_id: int
    language: str | None
    items: list[HitOut]


class ArticleLinkCreate(Strict):
    article_id: Id


class ArticleLinkOut(BaseModel):
    id: int
    ticket_id: int
    article_id: int
    origin: Literal["agent", "interaction"]
    linked_by_key_id: int | None
    linked_at: datetime
    suggestions_used: int = Field(description="The ticket's suggestions this link marked used.")


# The names the services and routers use; the schema names keep them apart from ticket links.
LinkCreate = ArticleLinkCreate
LinkOut = ArticleLinkOut


class KbMetricsQuery(BaseModel):
    since: AwareDatetime | None = Field(default=None, description="Default: 30 days ago.")
    until: AwareDatetime | None = Field(default=None, description="Default: now.")


class LanguageKpisOut(BaseModel):
    language: str = Field(description="Primary subtag; empty: searches in no language.")
    tickets_solved: int
    links: int
    searches: int
    zero_result_searches: int
    portal_searches: int = Field(description="Customer searches at least a day old.")
    deflected_searches: int = Field(
        description="Of those, followed by no ticket of the customer within a day."
    )
    deflection_rate: float | None = Field(
        description="deflected_searches / portal_searches; null without portal searches.",
        examples=[0.42],
    )
    outdated_translations: int
    past_review: int


class ZeroResultQueryOut(BaseModel):
    language: str
    query: str
    searches: int


class MostUsedOut(BaseModel):
    article_id: int
    language: str
    title: str
    links: int


class KbSummaryOut(BaseModel):
    """The knowledge base in the metrics summary: desk-wide, whatever team or filter the
    summary was asked for."""

    languages: list[LanguageKpisOut]
    most_used: list[MostUsedOut]


class KbMetricsOut(BaseModel):
    since: datetime
    until: datetime
    languages: list[LanguageKpisOut]
    zero_result_queries: list[ZeroResultQueryOut]
    most_used: list[MostUsedOut]
