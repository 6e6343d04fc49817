"""The two route shapes most resources share, each registered by one decorator: a create
(201 when made, 200 when it existed, a replayed Idempotency-Key marked) and a list (the query
string read into its model, one keyset page out)."""

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from app.http.deps import query_parameters
from app.http.responses import json_body, written
from app.schemas import Page
from app.services.idempotency import Written

Endpoint = Callable[..., Awaitable[Response]]
Documented = dict[int | str, dict[str, Any]]


def creates(
    router: APIRouter,
    path: str,
    model: type[BaseModel],
    *,
    operation_id: str,
    responses: Documented | None = None,
) -> Callable[[Callable[..., Awaitable[Written[Any]]]], Endpoint]:
    """`POST path`, documented as a 201 of `model`: the decorated function returns what its
    service wrote, answered as `responses.written` does. Its parameters (the call, the path,
    the body, the Idempotency-Key) stay its own: FastAPI reads them through the wrapper."""

    def register(handler: Callable[..., Awaitable[Written[Any]]]) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(*args: Any, **kwargs: Any) -> Response:
            return written(await handler(*args, **kwargs))

        router.post(
            path,
            status_code=201,
            response_model=model,
            operation_id=operation_id,
            responses=responses,
        )(endpoint)
        return endpoint

    return register


def lists(
    router: APIRouter,
    path: str,
    item: type[BaseModel],
    filters: type[BaseModel],
    *,
    operation_id: str,
) -> Callable[[Callable[..., Awaitable[Any]]], Endpoint]:
    """`GET path`, documented as a `Page` of `item` with `filters` as its query parameters
    (the decorated function reads them with `query(filters)`): the page it returns is sent
    as JSON, by the fields' API names."""

    def register(handler: Callable[..., Awaitable[Any]]) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(*args: Any, **kwargs: Any) -> Response:
            page = await handler(*args, **kwargs)
            return json_body(to_jsonable_python(page, by_alias=True))

        router.get(
            path,
            response_model=Page[item],  # type: ignore[valid-type]
            operation_id=operation_id,
            openapi_extra=query_parameters(filters),
        )(endpoint)
        return endpoint

    return register
