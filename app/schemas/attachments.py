"""Attachment shapes: AttachmentOut (on an interaction, or an upload's answer) and the upload's
query string."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class AttachmentOut(BaseModel):
    id: int
    interaction_id: int | None = Field(
        description="The interaction it was sent or received with; null while it waits, "
        "uploaded, for the interaction that names it in `attachment_ids`."
    )
    filename: str
    content_type: str = Field(
        description="As declared, unless the content's first bytes contradict it: then "
        "`application/octet-stream`."
    )
    size: int = Field(description="Bytes.")
    sha256: str | None = Field(description="The content's SHA-256 (hex); null once erased.")
    created_at: datetime
    erased: bool = Field(default=False, description="Its content was erased.")


class CustomerAttachmentOut(BaseModel):
    """A file on a public interaction, as the ticket's customer sees it."""

    id: int
    filename: str
    content_type: str
    size: int


class AttachmentUploadQuery(BaseModel):
    """The upload's parameters: the body is the file's bytes, its Content-Type the file's."""

    model_config = ConfigDict(extra="forbid")
    filename: Annotated[
        str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^\x00]+$")
    ] = Field(description="The file's name (a path's directories are dropped).")
