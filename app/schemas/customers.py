"""Customer shapes: CustomerCreate, CustomerUpdate, CustomerOut, CustomerListQuery."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.common import (
    OMITTED,
    Email,
    LanguageTag,
    Name,
    QueryTextValue,
    ShortText,
    Strict,
    TimeZoneName,
)


class CustomerUpdate(Strict):
    name: Name = OMITTED  # may be left out, not set to null
    email: Email | None = None
    phone: Annotated[str, StringConstraints(max_length=50)] | None = None
    organization: ShortText | None = None
    account_number: Annotated[str, StringConstraints(max_length=100)] | None = None
    language: LanguageTag | None = None
    time_zone: TimeZoneName | None = None


class CustomerCreate(CustomerUpdate):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Ada Lovelace",
                    "email": "ada@example.com",
                    "phone": "+31 20 555 0100",
                    "organization": "Analytical Engines BV",
                    "account_number": "AE-1001",
                    "language": "en",
                    "time_zone": "Europe/Amsterdam",
                }
            ]
        },
    )
    name: Name


class CustomerOut(BaseModel):
    id: int
    name: str
    email: str | None
    phone: str | None
    organization: str | None
    account_number: str | None
    language: str | None
    time_zone: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class CustomerListQuery(BaseModel):
    """The customer list's query string."""

    email: QueryTextValue | None = Field(default=None, description="Matches whatever its case.")
    organization: QueryTextValue | None = None
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )
