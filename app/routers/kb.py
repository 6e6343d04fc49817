"""/v1/kb: knowledge base articles, their revisions and translations, search; a ticket's
suggested and linked articles; the knowledge base's KPIs."""

from typing import Annotated

from fastapi import APIRouter, Body, Path, Response

from app.domain import kb as rules
from app.http.deps import (
    IfMatch,
    PathId,
    ReadCall,
    WriteCall,
    expected_version,
    query,
    query_parameters,
)
from app.http.responses import json_body
from app.http.routes import creates, lists
from app.schemas import Page
from app.schemas.kb import (
    ArticleCreate,
    ArticleListQuery,
    ArticleOut,
    ArticleReadQuery,
    ArticleUpdate,
    DiffOut,
    DiffQuery,
    KbMetricsOut,
    KbMetricsQuery,
    LinkCreate,
    LinkOut,
    OpenedIn,
    PageQuery,
    RevisionOut,
    SearchQuery,
    SearchResultOut,
    ServedArticleOut,
    SuggestionsOut,
    TranslationOut,
)
from app.services.idempotency import Written
from app.services.kb import articles, kpis, search, tickets

router = APIRouter(prefix="/v1", tags=["knowledge base"])
RevisionNumber = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post(
    "/kb/articles", status_code=201, response_model=ArticleOut, operation_id="kb_articles_create"
)
async def create_article(body: ArticleCreate, call: WriteCall) -> Response:
    """A new article (a draft unless said otherwise) at revision 1; with `translation_of`, a
    translation that joins that article's group and follows its current revision."""
    article = await articles.create(call.desk, body, actor=call.caller, now=call.now)
    return json_body(article, status=201)


@lists(router, "/kb/articles", ArticleOut, ArticleListQuery, operation_id="kb_articles_list")
async def list_articles(
    call: ReadCall, q: Annotated[ArticleListQuery, query(ArticleListQuery)]
) -> Page[ArticleOut]:
    """Articles the caller sees, newest first: customer tokens published public ones; agents
    internal ones too; drafts their authors, their owner team and admins."""
    reader = rules.reader_of(call.caller)
    return await articles.list_articles(call.desk, q, reader=reader, now=call.now)


@router.get(
    "/kb/articles/{article_id}",
    response_model=ServedArticleOut,
    operation_id="kb_articles_get",
    openapi_extra=query_parameters(ArticleReadQuery),
)
async def get_article(
    article_id: PathId, call: ReadCall, q: Annotated[ArticleReadQuery, query(ArticleReadQuery)]
) -> Response:
    """The article; with `language`, its group's translation by the fallback chain (`nl-BE` →
    `nl` → the group's default), `served_language` saying which. With `search_id`, the search
    it was opened from records it."""
    reader = rules.reader_of(call.caller)
    article = await articles.read(
        call.desk,
        article_id,
        reader=reader,
        language=q.language,
        search_id=q.search_id,
        now=call.now,
    )
    return json_body(article)


@router.patch(
    "/kb/articles/{article_id}", response_model=ArticleOut, operation_id="kb_articles_update"
)
async def update_article(
    article_id: PathId, body: ArticleUpdate, call: WriteCall, if_match: IfMatch = None
) -> Response:
    """Change the article (If-Match: its ETag). New content is a new revision by the caller;
    `status` moves it draft → published → archived (archived → draft to revive it)."""
    version = expected_version(if_match)
    article = await articles.update(
        call.desk, article_id, body, expected_version=version, actor=call.caller, now=call.now
    )
    return json_body(article)


@lists(
    router,
    "/kb/articles/{article_id}/revisions",
    RevisionOut,
    PageQuery,
    operation_id="kb_revisions_list",
)
async def list_revisions(
    article_id: PathId, call: ReadCall, q: Annotated[PageQuery, query(PageQuery)]
) -> Page[RevisionOut]:
    """The article's revisions, newest first: each with its author and time, never changed."""
    reader = rules.reader_of(call.caller)
    return await articles.revisions(call.desk, article_id, q, reader=reader, now=call.now)


@router.get(
    "/kb/articles/{article_id}/revisions/{number}",
    response_model=RevisionOut,
    operation_id="kb_revisions_get",
)
async def get_revision(article_id: PathId, number: RevisionNumber, call: ReadCall) -> Response:
    reader = rules.reader_of(call.caller)
    return json_body(
        await articles.revision(call.desk, article_id, number, reader=reader, now=call.now)
    )


@router.post(
    "/kb/articles/{article_id}/revisions/{number}/restore",
    response_model=ArticleOut,
    operation_id="kb_revisions_restore",
)
async def restore_revision(
    article_id: PathId, number: RevisionNumber, call: WriteCall, if_match: IfMatch = None
) -> Response:
    """Bring revision `number`'s content back as a new revision (If-Match: the article's ETag)."""
    version = expected_version(if_match)
    article = await articles.restore(
        call.desk, article_id, number, expected_version=version, actor=call.caller, now=call.now
    )
    return json_body(article)


@router.get(
    "/kb/articles/{article_id}/diff",
    response_model=DiffOut,
    operation_id="kb_revisions_diff",
    openapi_extra=query_parameters(DiffQuery),
)
async def diff_revisions(
    article_id: PathId, call: ReadCall, q: Annotated[DiffQuery, query(DiffQuery)]
) -> Response:
    """What changed between revisions `from` and `to`, field by field (unified diffs)."""
    reader = rules.reader_of(call.caller)
    result = await articles.diff(
        call.desk, article_id, q.from_revision, q.to_revision, reader=reader, now=call.now
    )
    return json_body(result)


@router.get(
    "/kb/articles/{article_id}/translations",
    response_model=list[TranslationOut],
    operation_id="kb_translations_list",
)
async def list_translations(article_id: PathId, call: ReadCall) -> Response:
    """The article's translation group: each translation's source revision, whether the
    source has a newer one (outdated) and what changed in it since."""
    reader = rules.reader_of(call.caller)
    return json_body(
        await articles.translations(call.desk, article_id, reader=reader, now=call.now)
    )


@router.get(
    "/kb/search",
    response_model=SearchResultOut,
    operation_id="kb_search",
    openapi_extra=query_parameters(SearchQuery),
)
async def search_articles(
    call: ReadCall, q: Annotated[SearchQuery, query(SearchQuery)]
) -> Response:
    """Published articles matching `q`, best first (title above summary above body), stemmed
    in `language`'s own way (Thai segmented into words); by trigram similarity when full text
    finds nothing (a typo) or `q` is shorter than three characters. Each hit says which fields
    matched, with a snippet. The search is recorded: open a hit with its `search_id`."""
    return json_body(await search.search(call.desk, q, actor=call.caller, now=call.now))


@router.post("/kb/searches/{search_id}/opened", status_code=204, operation_id="kb_searches_opened")
async def search_opened(
    search_id: PathId, body: Annotated[OpenedIn, Body()], call: ReadCall
) -> Response:
    """Record which result of one's own search was opened (the first one counts)."""
    await search.record_opened(call.desk, search_id, body, actor=call.caller, now=call.now)
    return Response(status_code=204)


@router.get(
    "/tickets/{ticket_id}/kb-suggestions",
    response_model=SuggestionsOut,
    operation_id="kb_suggestions",
)
async def suggest(ticket_id: PathId, call: ReadCall) -> Response:
    """The articles most likely to answer the ticket (its subject, description, category and
    language). Recorded: linking one of them marks the suggestion used."""
    result = await tickets.suggestions(
        call.desk, ticket_id, visible=call.visible, actor=call.caller, now=call.now
    )
    return json_body(result)


@creates(
    router,
    "/tickets/{ticket_id}/kb-links",
    LinkOut,
    operation_id="kb_links_create",
    responses={200: {"description": "The ticket had this link already.", "model": LinkOut}},
)
async def link_article(
    ticket_id: PathId, body: Annotated[LinkCreate, Body()], call: WriteCall
) -> Written[LinkOut]:
    """The article solved the ticket. Its suggestions that offered it are marked used."""
    return await tickets.link(
        call.desk, ticket_id, body, visible=call.visible, actor=call.caller, now=call.now
    )


@router.get(
    "/tickets/{ticket_id}/kb-links", response_model=list[LinkOut], operation_id="kb_links_list"
)
async def list_links(ticket_id: PathId, call: ReadCall) -> Response:
    return json_body(await tickets.links(call.desk, ticket_id, visible=call.visible))


@router.get(
    "/metrics/kb",
    response_model=KbMetricsOut,
    operation_id="kb_metrics",
    openapi_extra=query_parameters(KbMetricsQuery),
)
async def kb_metrics(
    call: ReadCall, q: Annotated[KbMetricsQuery, query(KbMetricsQuery)]
) -> Response:
    """Per language: tickets solved by an article, searches and those with no result, portal
    searches followed by no ticket within a day (deflection), outdated translations, articles
    past review_by; the queries that found nothing; the most used articles."""
    return json_body(await kpis.metrics(call.desk, q, now=call.now))
