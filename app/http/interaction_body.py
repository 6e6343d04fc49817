"""A new interaction's request body: its JSON alone, or multipart/form-data with the JSON in an
`interaction` part and the files it carries in `files` parts, spooled to disk as they arrive."""

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from app.errors import PayloadTooLarge, UnprocessableEntity
from app.http.deps import Call, fill_customer_reply, is_form, request_json
from app.schemas import InteractionCreate
from app.services.attachments import SentFile
from app.settings import Settings

# As many files as `attachment_ids` may name.
MAX_FILES = 20
FORM_PARTS = ("interaction", "files")


@dataclass(frozen=True)
class SentInteraction:
    """The interaction's fields, and the files sent with them (none for a JSON body)."""

    data: InteractionCreate
    files: list[SentFile]


def _validated(body: Any, at: tuple[str, ...]) -> InteractionCreate:
    try:
        return InteractionCreate.model_validate(body)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *at, *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def _refused(field: str, message: str) -> UnprocessableEntity:
    return UnprocessableEntity(f"{field}: {message}", errors=[{"field": field, "message": message}])


async def _form(request: Request, settings: Settings) -> FormData:
    """The form, read with the message's limit held while it streams: its files at most
    HELPDESK_ATTACHMENT_MESSAGE_MAX_BYTES, its JSON part at most HELPDESK_MAX_BODY_BYTES."""
    limit = settings.attachment_message_max_bytes + settings.max_body_bytes
    setting = "HELPDESK_ATTACHMENT_MESSAGE_MAX_BYTES"

    async def counted() -> AsyncIterator[bytes]:
        received = 0
        async for data in request.stream():
            received += len(data)
            if received > limit:
                message = f"the form is larger than {limit} bytes ({setting})"
                raise PayloadTooLarge(
                    message, errors=[{"field": "files", "message": message}], limit=setting
                )
            yield data

    parser = MultiPartParser(
        request.headers,
        counted(),
        max_files=MAX_FILES + 1,  # the JSON part may come as a file (a browser's Blob)
        max_fields=len(FORM_PARTS),
        max_part_size=settings.max_body_bytes,
    )
    try:
        return await parser.parse()
    except MultiPartException as e:
        raise _refused("body", f"not a form this route reads: {e.message}") from None


async def _json_part(part: str | UploadFile, limit: int) -> Any:
    if isinstance(part, UploadFile):
        if part.size is not None and part.size > limit:
            raise _refused("interaction", f"larger than {limit} bytes")
        await part.seek(0)
        part = (await part.read()).decode("utf-8", "replace")
    try:
        return json.loads(part)
    except ValueError as e:
        raise _refused("interaction", f"malformed JSON: {e}") from None


async def _sent(request: Request, call: Call) -> SentInteraction:
    if not is_form(request):
        return SentInteraction(_validated(await request_json(request), ()), [])
    form = await _form(request, call.desk.settings)
    request.state.interaction_form = form  # closed when the request is done
    unknown = sorted({name for name, _ in form.multi_items()} - set(FORM_PARTS))
    if unknown:
        raise _refused(unknown[0], f"unknown part: a form holds {' and '.join(FORM_PARTS)}")
    given = form.getlist("interaction")
    if len(given) != 1:
        raise _refused("interaction", "one part holds the interaction's JSON fields")
    body = await _json_part(given[0], call.desk.settings.max_body_bytes)
    if call.caller.customer_id is not None:
        fill_customer_reply(body, call.caller)
    files = []
    for position, part in enumerate(form.getlist("files")):
        field = f"files.{position}"
        if not isinstance(part, UploadFile):
            raise _refused(field, "a file part (with a filename)")
        files.append(SentFile(field, part.filename, part.content_type, part.file))
    if len(files) > MAX_FILES:
        raise _refused("files", f"at most {MAX_FILES} files")
    return SentInteraction(_validated(body, ("interaction",)), files)


class InteractionBody:
    """The request's body, read by the route once it knows its caller (a customer's reply is
    filled in from their token): a dependency of the request alone, so the route is answered
    without FastAPI's general solver (DirectRoute)."""

    __slots__ = ("_request",)

    def __init__(self, request: Request) -> None:
        self._request = request

    @contextlib.asynccontextmanager
    async def read(self, call: Call) -> AsyncIterator[SentInteraction]:
        """The interaction and its files, the form's spooled files closed when done."""
        request = self._request
        try:
            yield await _sent(request, call)
        finally:
            form = getattr(request.state, "interaction_form", None)
            if form is not None:
                await form.close()


async def interaction_body(request: Request) -> InteractionBody:
    return InteractionBody(request)


InteractionSent = Annotated[InteractionBody, Depends(interaction_body)]

# The route reads its body itself, so FastAPI lists no schema for it: app.http.problems adds
# InteractionCreate to the components (BODY_SCHEMAS).
BODY_SCHEMAS = (InteractionCreate,)
_FIELDS = {"$ref": "#/components/schemas/InteractionCreate"}
JSON_OR_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _FIELDS},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["interaction"],
                    # Any other part is refused (422 naming it).
                    "additionalProperties": False,
                    "properties": {
                        "interaction": _FIELDS,
                        "files": {
                            "type": "array",
                            "maxItems": MAX_FILES,
                            "items": {"type": "string", "format": "binary"},
                            "description": "The files the interaction carries, each stored "
                            "as an attachment in the interaction's transaction.",
                        },
                    },
                },
                "encoding": {"interaction": {"contentType": "application/json"}},
                "example": {
                    "interaction": {
                        "kind": "email",
                        "direction": "outbound",
                        "body": "The corrected invoice is attached.",
                    },
                    "files": ["<the bytes of invoice-2031.pdf>"],
                },
            },
        },
    }
}
