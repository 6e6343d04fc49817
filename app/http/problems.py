"""Rendering every error as RFC 9457 application/problem+json, in one place."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from app.errors import (
    PROBLEM_BASE,
    HelpdeskError,
    MethodNotAllowed,
    NotFound,
    UnprocessableEntity,
)
from app.http.interaction_body import BODY_SCHEMAS
from app.openapi_doc.written import annotate
from app.schemas import MAX_ID, Problem
from app.schemas.common import NOT_BLANK

log = logging.getLogger("helpdesk.errors")

PROBLEM_JSON = "application/problem+json"
# The only operations that need no key (/metrics, outside /v1, needs one).
OPEN_PROBES = frozenset({"/healthz", "/readyz"})


def problem_response(error: HelpdeskError, request: Request) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return JSONResponse(
        error.problem(instance=request.url.path),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


def _validation_errors(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    errors = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        field = _field_path(loc)
        message = err.get("msg", "invalid")
        if err.get("type") == "json_invalid":
            field, message = "body", f"malformed JSON: {err.get('ctx', {}).get('error', message)}"
        elif err.get("type") == "extra_forbidden":
            message = "unknown field"
        elif err.get("type") == "string_pattern_mismatch" and (
            err.get("ctx", {}).get("pattern") == NOT_BLANK
        ):
            message = "must not be blank"
        if loc and loc[0] in ("query", "header", "path"):
            field = f"{loc[0]}.{'.'.join(str(p) for p in loc[1:])}"
        errors.append({"field": field, "message": message, "type": err.get("type")})
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return summary, errors


def _whole_bounds(schema: Any) -> None:
    """Integer bounds as integers: FastAPI writes a body field's `le=2**63-1` as the float
    9.223372036854776e18, which reads (and generates) as a larger, refused number."""
    if isinstance(schema, dict):
        for key in ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum"):
            value = schema.get(key)
            if isinstance(value, float) and value.is_integer():
                whole = int(value)
                schema[key] = MAX_ID if whole > MAX_ID else whole
        for value in schema.values():
            _whole_bounds(value)
    elif isinstance(schema, list):
        for value in schema:
            _whole_bounds(value)


BEARER = {"type": "http", "scheme": "bearer", "description": "An API key (`hd_…`)."}


def document(app: FastAPI) -> None:
    """The OpenAPI description as the API answers: errors as problem+json (not FastAPI's
    `HTTPValidationError`, which this API never sends), If-Match required where it is (a 428
    without it), the bearer key every /v1 operation needs, integer bounds as integers; with
    summaries and examples written for people (app/openapi_doc/written.py)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = generate()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        problem_schemas = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem_schemas.pop("$defs", {}))
        schemas["Problem"] = problem_schemas
        for model in BODY_SCHEMAS:  # bodies a route reads itself (JSON or a form of files)
            schemas.setdefault(
                model.__name__,
                model.model_json_schema(ref_template="#/components/schemas/{model}"),
            )
        content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, item in spec["paths"].items():
            for operation in item.values():
                responses = operation["responses"]
                if "422" in responses:
                    described = responses["422"]["description"]
                    responses["422"] = {
                        "description": "Invalid input: each failing field is named"
                        if described == "Validation Error"
                        else described,
                        "content": content,
                    }
                if path in OPEN_PROBES:
                    operation["security"] = []
                    continue  # they answer nothing else
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "header" and parameter["name"] == "If-Match":
                        parameter["required"] = True
                        parameter["schema"] = {
                            "type": "string",
                            # An ETag this service issued, or `*`: whatever version
                            # there is (RFC 9110 §13.1.1).
                            "pattern": r'^[ \t]*(\*|(W/)?"[0-9]{1,18}")[ \t]*$',
                        }
                        responses.setdefault(
                            "428", {"description": "If-Match is missing", "content": content}
                        )
                        responses.setdefault(
                            "412",
                            {
                                "description": "The version changed since it was read",
                                "content": content,
                            },
                        )
                responses.setdefault(
                    "default",
                    {
                        "description": "Any other error (400, 401, 403, 404, 409, 412, 428, 503)",
                        "content": content,
                    },
                )
        spec["components"].setdefault("securitySchemes", {})["apiKey"] = BEARER
        spec["security"] = [{"apiKey": []}]
        _whole_bounds(spec)
        annotate(spec)  # summaries and examples written for people
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def methods_at(scope: Scope) -> list[str]:
    """Every method some route of the app serves at the request's path (each route serves
    one: the router's own Allow names only the first route that matched the path)."""
    # By the number of path parameters of the routes that match: a literal segment
    # (`/sla-policies/what-if`) is that resource, not an id of its sibling.
    methods: dict[int, set[str]] = {}
    path = scope["path"]
    routes = list(scope["app"].routes)
    while routes:
        route = routes.pop()
        # An included router (FastAPI keeps it whole; this app adds no prefix when including).
        inner = getattr(getattr(route, "original_router", None), "routes", None)
        if inner is not None:
            routes.extend(inner)
            continue
        pattern = getattr(route, "path_regex", None)
        if pattern is not None and pattern.match(path):
            parameters = len(getattr(route, "param_convertors", None) or {})
            methods.setdefault(parameters, set()).update(getattr(route, "methods", None) or ())
    return sorted(methods[min(methods)]) if methods else []


def install(app: FastAPI) -> None:
    @app.exception_handler(HelpdeskError)
    async def helpdesk_error(request: Request, exc: HelpdeskError) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        summary, errors = _validation_errors(exc)
        return problem_response(UnprocessableEntity(summary, errors=errors), request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            error: HelpdeskError = NotFound(f"no resource at {request.url.path}")
        elif exc.status_code == 405:
            allowed = methods_at(request.scope)
            error = MethodNotAllowed(
                f"{request.method} is not allowed on {request.url.path}; "
                f"allowed: {', '.join(allowed)}"
            )
            response = problem_response(error, request)
            response.headers["Allow"] = ", ".join(allowed)
            return response
        else:
            error = HelpdeskError(str(exc.detail))
            error.status = exc.status_code
            error.type = f"http-{exc.status_code}"
            error.title = "HTTP error"
        response = problem_response(error, request)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        body = {
            "type": PROBLEM_BASE + "internal-error",
            "title": "Internal error",
            "status": 500,
            "detail": "an unexpected error occurred; it has been logged",
            "instance": request.url.path,
        }
        return JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)
