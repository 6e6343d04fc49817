"""Survey shapes: a CSAT or NPS answer about a ticket, and the survey list's query string."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.common import AwareDatetime, QueryIdValue, Strict, Stripped

SurveyKind = Literal["csat", "nps"]
Comment = Annotated[str, StringConstraints(max_length=4000), Stripped]


class CsatAnswer(Strict):
    """Customer satisfaction: 1 (very dissatisfied) to 5 (very satisfied)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"kind": "csat", "score": 5, "comment": "Quick, thanks"}]},
    )
    kind: Literal["csat"]
    score: int = Field(ge=1, le=5)
    comment: Comment | None = None


class NpsAnswer(Strict):
    """Net promoter: how likely the customer is to recommend us, 0 to 10."""

    kind: Literal["nps"]
    score: int = Field(ge=0, le=10)
    comment: Comment | None = None


SurveyAnswer = Annotated[CsatAnswer | NpsAnswer, Field(discriminator="kind")]


class SurveyOut(BaseModel):
    id: int
    ticket_id: int
    kind: SurveyKind
    score: int
    comment: str | None
    customer_id: int | None = Field(description="The ticket's customer when they answered.")
    responded_at: datetime


class SurveyListQuery(BaseModel):
    """The survey list's query string: newest first."""

    ticket_id: QueryIdValue | None = None
    customer_id: QueryIdValue | None = None
    kind: SurveyKind | None = None
    since: AwareDatetime | None = Field(default=None, description="Answered at or after.")
    until: AwareDatetime | None = Field(default=None, description="Answered before.")
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )
