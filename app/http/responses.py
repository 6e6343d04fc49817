"""Responses: JSON bodies with their ETag, and a create's 201 or 200."""

from typing import Any

import orjson
from fastapi import Response
from pydantic_core import to_jsonable_python

from app.services.idempotency import Written

# orjson writes UTC instants as pydantic does ("…Z", microseconds when there are some) at a third
# of the cost; what it does not know (models) goes through pydantic.
_ORJSON = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def etag(version: int) -> str:
    return f'"{version}"'


def _version(body: Any) -> int | None:
    version = body.get("version") if isinstance(body, dict) else getattr(body, "version", None)
    return version if isinstance(version, int) else None


def json_body(body: Any, *, status: int = 200) -> Response:
    """`body`, already in the route's response shape, as JSON; with an ETag when it has a version.

    Services build these from validated input and stored rows, and tests check them against the
    schema; letting FastAPI validate them again would double the cost of a read."""
    version = _version(body)
    headers = {"ETag": etag(version)} if version is not None else None
    return Response(
        orjson.dumps(body, default=to_jsonable_python, option=_ORJSON),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def written(result: Written[Any]) -> Response:
    """A create's response: 201 when this request created the resource, 200 when it existed
    (a known external id); a replayed Idempotency-Key says so."""
    response = json_body(result.body, status=201 if result.created else 200)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
