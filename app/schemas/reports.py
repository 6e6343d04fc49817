"""The audit report's shapes: its query, the report, a finding's rows and the stored reports."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import AwareDatetime


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: AwareDatetime | None = Field(
        default=None,
        alias="from",
        description="The period's start (default: 30 days before `to`); a report covers at "
        "most 400 days.",
    )
    to: AwareDatetime | None = Field(default=None, description="The period's end (default: now).")


class AuditRequest(BaseModel):
    """The period of a report to build and keep (default: the 30 days before now)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: AwareDatetime | None = Field(
        default=None,
        alias="from",
        description="The period's start (default: 30 days before `to`); a report covers at "
        "most 400 days.",
    )
    to: AwareDatetime | None = Field(default=None, description="The period's end (default: now).")


class ReportListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=40)


class PeriodOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: datetime = Field(alias="from")
    to: datetime


class PreviousPeriodOut(PeriodOut):
    source: str = Field(
        description="Where the previous figures come from: the last stored report of the same "
        "scope, or the same checks over the period of the same length before."
    )


class FindingOut(BaseModel):
    id: str = Field(description="The check, e.g. `service.sla.first_response`.")
    section: Literal["service", "process", "knowledge", "quality", "cost", "access"]
    title: str
    severity: Literal["info", "warn", "fail"]
    verdict: Literal["pass", "fail", "not_measured", "info"]
    sentence: str
    figure: float | None
    threshold: float | None
    better: Literal["higher", "lower"]
    count: int | None = Field(description="How many rows the drill-down lists.")
    of: int | None = Field(description="What a share is of (null: the figure is no share).")
    previous: float | None = Field(description="The figure of the previous period.")
    worse: bool = Field(description="The figure moved the wrong way since the previous period.")
    drill_down: str | None = Field(description="The URL listing the rows behind the finding.")


class AuditReportOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    period: PeriodOut
    previous_period: PreviousPeriodOut
    team_ids: list[int] | None = Field(description="The teams it covers; null: the whole desk.")
    generated_at: datetime
    empty: bool = Field(description="No ticket was created in the period.")
    summary: str
    findings: list[FindingOut]
    tables: dict[str, dict[str, list[dict[str, Any]]]] = Field(
        description="Per section, the tables beside its findings (SLA per priority, backlog by "
        "age, top categories, cost per channel…)."
    )
    not_measured: list[tuple[str, str]] = Field(
        description="What the checklist asks that the service does not record, and why."
    )


class FindingRowsOut(BaseModel):
    finding: str
    period: PeriodOut
    count: int = Field(description="Every row behind the finding (the finding's `count`).")
    items: list[dict[str, Any]] = Field(
        description="The rows by id: ids, states and codes, never personal data; at most 1000."
    )
    truncated: bool


class StoredReportOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    status: Literal["pending", "ready"]
    origin: Literal["request", "schedule"]
    period: PeriodOut
    team_ids: list[int] | None
    requested_at: datetime
    built_at: datetime | None
    report: AuditReportOut | None = Field(description="Null until the worker has built it.")
