"""Typed dependencies: the call (caller, clock reading, service context), path and header
parameters, and the one reader of query strings into models."""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar, get_args, get_origin

from fastapi import Depends, Header, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from app.domain.access import (
    CUSTOMER_REPLY,
    Capability,
    Principal,
    Visibility,
    customer_reply_refusal,
    portal_refusal,
    visibility,
)
from app.errors import BadRequest, Forbidden, PreconditionRequired
from app.http.ratelimit import STATE_KEY, RateLimiter, refusal
from app.logs import actor_var
from app.schemas import MAX_ID
from app.services import auth, if_match
from app.services.context import Desk

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Call:
    """What a route needs of its request, resolved as one dependency (FastAPI spends ~45 µs per
    request on each): the caller, allowed the capability the route asks for; the tickets the
    caller sees; the clock's reading; and the service context."""

    caller: Principal
    visible: Visibility
    now: datetime
    desk: Desk


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def call_for(capability: Capability) -> Callable[..., object]:
    """The dependency that authenticates the caller, counts the request against its rate limit
    and decides, once, whether they may."""

    async def dependency(request: Request) -> Call:
        # The header is read here rather than declared: it is on every request, and a
        # declared header parameter costs FastAPI a validation per request.
        state = request.app.state
        now = state.clock.now()
        secret = _bearer(request.headers.get("authorization"))
        caller = await auth.authenticate(state.desk, secret, now)
        limiter = _limiter(state)
        if limiter is not None:
            # Per credential: a rotated key's successor has a bucket of its own. Python's own
            # (keyed, per-process) hash of the secret: no copy of a secret is kept.
            quota = limiter.take(hash(secret))
            setattr(request.state, STATE_KEY, quota)
            if not quota.allowed:
                raise refusal(quota)
        if caller.customer_id is not None:
            await _portal(request, caller)
        else:
            refused = caller.refusal(capability)
            if refused is not None:
                raise Forbidden(refused, required_capability=capability)
        actor_var.set(caller)  # who the audit log records for this request's writes
        return Call(caller, visibility(caller), now, state.desk)

    return dependency


def _limiter(state: Any) -> RateLimiter | None:
    """The app's rate limiter, made on first use from its settings (None: no limit)."""
    limiter: RateLimiter | bool | None = getattr(state, "rate_limiter", None)
    if limiter is None:
        per_minute = state.desk.settings.rate_limit_per_minute
        limiter = RateLimiter(per_minute) if per_minute > 0 else False
        state.rate_limiter = limiter
    return limiter or None


_TRUE = TypeAdapter(bool)


async def _portal(request: Request, caller: Principal) -> None:
    """What a customer token may do (app.domain.access.PORTAL_OPERATIONS), checked on the
    route's operation id, with the shape of its reply."""
    route = request.scope.get("route")
    operation = getattr(route, "operation_id", None)
    refused = portal_refusal(operation)
    if refused is not None:
        raise Forbidden(refused)
    if operation == "interactions_list":
        wanted = request.query_params.get("public_only")
        try:
            public_only = wanted is not None and _TRUE.validate_python(wanted)
        except ValidationError:
            public_only = False
        if not public_only:
            raise Forbidden("a customer token lists public interactions only: public_only=true")
    elif operation == "interactions_create":
        if "idempotency-key" in request.headers:
            # Idempotency keys are kept per API key; customer tokens have none of their own.
            raise Forbidden("a customer token retries a reply with its external_id")
        # The route reads the body after its dependencies, into this same (cached) dict: the
        # fields a reply leaves out take the customer's values. A form's JSON part is filled
        # when the route reads it (app.http.interaction_body).
        if not is_form(request):
            fill_customer_reply(await request_json(request), caller)


def is_form(request: Request) -> bool:
    """The body is multipart/form-data (a new interaction with its files)."""
    declared = request.headers.get("content-type", "")
    return declared.split(";", 1)[0].strip().lower() == "multipart/form-data"


async def request_json(request: Request) -> Any:
    """The request's JSON body, read once (each later call returns the same object); malformed
    JSON is the 422 FastAPI gives a declared body."""
    try:
        return await request.json()
    except ValueError as e:
        detail = e.msg if isinstance(e, json.JSONDecodeError) else str(e)
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", getattr(e, "pos", 0)),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": detail},
                }
            ]
        ) from None


def fill_customer_reply(body: object, caller: Principal) -> None:
    """A customer's new interaction (its JSON, as a dict): the fields it leaves out take the
    customer's values; one that is not their own public inbound reply is a 403."""
    if isinstance(body, dict):
        for name, value in CUSTOMER_REPLY.items():
            body.setdefault(name, value)
        assert caller.customer_id is not None
        refused = customer_reply_refusal(body, caller.customer_id)
        if refused is not None:
            raise Forbidden(refused)


ReadCall = Annotated[Call, Depends(call_for("read"))]
WriteCall = Annotated[Call, Depends(call_for("write"))]
AdminCall = Annotated[Call, Depends(call_for("manage"))]
ConfigCall = Annotated[Call, Depends(call_for("configure"))]
TokenCall = Annotated[Call, Depends(call_for("issue_customer_tokens"))]
SuperviseCall = Annotated[Call, Depends(call_for("supervise"))]


def desk_of(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


OpenDesk = Annotated[Desk, Depends(desk_of)]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Retry-safe POST: the same key and body return the original response.",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The ETag of the version you are changing, quotes included (`"3"`), or `*` '
        "for whatever version there is (required).",
    ),
]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]

# RFC 9110 §8.8.3: an entity tag is an optionally weak quoted string of visible characters;
# If-Match is `*` or a comma-separated list of them (§13.1.1).
_ENTITY_TAG = re.compile(r'(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"')
_OUR_TAG = re.compile(r"[0-9]{1,18}")


def expected_version(header: str | None) -> int:
    """The version an If-Match header names; 428 when missing, 400 when it is no entity tag at
    all (`null`, a bare number), and a version no row ever has when it is well-formed but names
    none this service issued (a 412 then). `*` matches whatever version there is.
    Routers call it in their body, after FastAPI has validated the request: a malformed body
    is a 422 whatever the header says."""
    if header is None:
        raise PreconditionRequired(
            "send If-Match with the ETag you read, so concurrent edits cannot overwrite each other"
        )
    value = header.strip(" \t")
    if value == "*":
        return if_match.ANY
    # An empty list (`If-Match:` with no value) is well-formed and matches nothing.
    tags = [part.strip(" \t") for part in value.split(",")] if value else []
    parsed = [_ENTITY_TAG.fullmatch(tag) for tag in tags]
    if not all(parsed):
        raise BadRequest(
            f"If-Match {header!r} is not an entity tag: send the ETag you read, quotes "
            'included (If-Match: "3"), or *',
            errors=[{"field": "header.If-Match", "message": "not an entity tag"}],
        )
    ours = [int(m.group(1)) for m in parsed if m and _OUR_TAG.fullmatch(m.group(1))]
    # Several versions named: at most one can be current, and the check compares with one.
    return ours[0] if len(ours) == 1 else if_match.NONE


# ---- query strings ---------------------------------------------------------------------------


def query(model: type[M]) -> Any:
    """A dependency reading the whole query string into `model` with one validation (FastAPI
    checks each declared query parameter on its own: ~0.3 ms for the ticket list's 14).
    Unknown parameters are refused with a 400 naming them, as unknown body fields are; value
    errors are 422s located at `query.<name>`. Declare the parameters to OpenAPI with
    `openapi_extra=query_parameters(model)`."""
    # Parameters by their aliases where they have one (`from` is no Python name).
    fields = {field.alias or name: field for name, field in model.model_fields.items()}
    many = frozenset(name for name, field in fields.items() if _is_list(field))

    async def parse(request: Request) -> M:
        params = request.query_params
        unknown = sorted(set(params.keys()) - set(fields))
        if unknown:
            raise BadRequest(
                f"unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",
                errors=[
                    {"field": f"query.{name}", "message": "unknown parameter"} for name in unknown
                ],
            )
        data = {name: params.getlist(name) if name in many else params[name] for name in params}
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from None

    return Depends(parse)


def query_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` declaring `model`'s fields as the operation's query parameters."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    parameters = []
    required = set(schema.get("required", ()))
    many = {f.alias or n for n, f in model.model_fields.items() if _is_list(f)}
    for name, prop in schema["properties"].items():
        description = prop.pop("description", None)
        prop.pop("title", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if description:
            parameter["description"] = description
        if name in many:
            parameter["style"], parameter["explode"] = "form", True
        parameters.append(parameter)
    return {"parameters": parameters}


def _is_list(field: FieldInfo) -> bool:
    return any(get_origin(a) is list for a in (field.annotation, *get_args(field.annotation)))
