"""The two route shapes most resources share, each registered by one decorator: a create
(201 when made, 200 when it existed, a replayed Idempotency-Key marked) and a list (the query
string read into its model, one keyset page out); and the route class of the hot reads, whose
parameters are resolved without FastAPI's general dependency solver (DirectRoute)."""

import functools
import inspect
import json
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response, params
from fastapi import routing as fastapi_routing
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args, request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
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

        # The handler's parameters, and what the endpoint returns: a Response (DirectRoute
        # serves such routes itself).
        endpoint.__signature__ = inspect.signature(handler).replace(  # type: ignore[attr-defined]
            return_annotation=Response
        )

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


class DirectRoute(APIRoute):
    """A route answered without FastAPI's general dependency solver when all it asks of the
    request is what the solver would give it in a few lines: dependencies that take only the
    request (the `Call`, a query model), path parameters, scalar headers and one JSON body
    model, with a handler that returns its own Response. Resolved the same way and in the same
    order (the dependencies, each raising its own error, then the path parameters, each checked
    by its own ModelField as FastAPI checks it, then the headers and the body, by FastAPI's own
    functions, into the same 422), without what the solver does for the routes that need it
    (cookies, query parameters, forms, yield dependencies, caches, scopes), which was a sixth to
    a quarter of a ticket read's CPU in the app and more of a write's. A body is read here only
    when it is non-empty JSON sent as `application/json`; any other body (none, another
    type, malformed) is left to FastAPI to refuse or read, as is any other route of a router
    using this class and any request while the app overrides dependencies
    (tests/test_direct_route.py holds the two to each other)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        general = super().get_route_handler()
        effective = _effective(self)
        dependant = effective.dependant
        if not _direct(dependant) or self.dependencies:
            return general
        bodies = list(dependant.body_params)
        if bodies and (
            len(bodies) != 1
            or getattr(effective, "_embed_body_fields", True)
            or isinstance(bodies[0].field_info, params.Form)
            or not _is_model(bodies[0].field_info.annotation)
        ):
            return general
        headers = list(dependant.header_params)
        # Dependencies overridden on the app (tests may): the solver knows how.
        overrides = effective.dependency_overrides_provider
        endpoint = dependant.call
        assert endpoint is not None
        resolved = [(d.name, d.call) for d in dependant.dependencies]
        # Each path parameter checked by its own ModelField, located as FastAPI locates it.
        path_params = [(f.name, f.alias, ("path", f.alias), f) for f in dependant.path_params]

        async def handle(request: Request) -> Response:
            if overrides is not None and getattr(overrides, "dependency_overrides", None):
                return await general(request)
            body: Any = None
            if bodies:
                # FastAPI reads the body before the dependencies run; so does this.
                raw = await request.body()
                if not raw or not _json_type(request.headers.get("content-type")):
                    return await general(request)
                try:
                    body = json.loads(raw)
                except ValueError:  # malformed, or not UTF-8: FastAPI's own refusal
                    return await general(request)
            values: dict[str, Any] = {}
            for name, call in resolved:
                values[name] = await call(request)
            errors: list[Any] = []
            for name, alias, loc, field in path_params:
                value, wrong = field.validate(request.path_params[alias], values, loc=loc)
                if wrong:
                    errors.extend(wrong)
                else:
                    values[name] = value
            if headers:
                found, wrong = request_params_to_args(headers, request.headers)
                values.update(found)
                errors.extend(wrong)
            if bodies:
                found, wrong = await request_body_to_args(bodies, body, False)
                values.update(found)
                errors.extend(wrong)
            if errors:
                raise RequestValidationError(errors, body=body)
            response: Response = await endpoint(**values)
            return response

        return handle


def _effective(route: APIRoute) -> Any:
    """What FastAPI would solve `route` with (its dependant, the app whose overrides it
    honours): an included route's own (router-level dependencies merged in), where the FastAPI
    version builds included routes from a context, else the route itself."""
    context_var = getattr(fastapi_routing, "_effective_route_context_var", None)
    context = context_var.get() if context_var is not None else None
    if context is not None and getattr(context, "original_route", None) is route:
        return context
    return route


def _direct(dependant: Dependant) -> bool:
    """Whether a request to `dependant`'s endpoint needs nothing of the general solver."""
    call = dependant.call
    if call is None or not inspect.iscoroutinefunction(call):
        return False
    if inspect.signature(call).return_annotation is not Response:
        return False
    if (
        dependant.query_params
        or dependant.cookie_params
        or dependant.request_param_name
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
    ):
        return False
    if any(_is_model(f.field_info.annotation) for f in dependant.path_params):
        return False
    if any(_is_model(f.field_info.annotation) for f in dependant.header_params):
        return False
    calls = [d.call for d in dependant.dependencies]
    # A dependency named twice is called once by the solver (its cache): left to it.
    if len(set(map(id, calls))) != len(calls):
        return False
    return all(_request_only(d) for d in dependant.dependencies)


@functools.lru_cache(maxsize=64)
def _json_type(content_type: str | None) -> bool:
    """Whether the body is sent as `application/json` (parameters allowed), the type every
    client of this API sends; FastAPI's rules for any other stay FastAPI's."""
    if content_type is None:
        return False
    kind, _, _ = content_type.partition(";")
    return kind.strip().lower() == "application/json"


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _request_only(dependant: Dependant) -> bool:
    """A dependency that is an async function of the request alone (no yield, no parameters
    of its own for the solver to read, no dependencies of its own)."""
    call = dependant.call
    return (
        dependant.name is not None
        and call is not None
        and inspect.iscoroutinefunction(call)
        and dependant.request_param_name is not None
        and len(inspect.signature(call).parameters) == 1
        and not dependant.dependencies
        and not dependant.path_params
        and not dependant.query_params
        and not dependant.header_params
        and not dependant.cookie_params
        and not dependant.body_params
        and not dependant.security_scopes_param_name
    )
