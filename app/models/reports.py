"""The audit reports the service writes about itself: period, scope, state and the built report."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, Index, String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import reference, timestamp


class AuditReport(SQLModel, table=True):
    """One audit report: `pending` until the worker has built it, then `ready` with the report
    (figures, ids and verdicts: never personal data)."""

    __tablename__ = "audit_reports"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    period_from: datetime = timestamp()
    period_to: datetime = timestamp()
    # The teams a supervisor's report is limited to; NULL: the whole desk.
    team_ids: list[int] | None = Field(
        default=None, sa_column=Column(ARRAY(BigInteger), nullable=True)
    )
    status: str = Field(sa_type=String(20))
    origin: str = Field(sa_type=String(20))
    requested_by_key_id: int | None = reference("api_keys.id", index=False)
    requested_at: datetime = timestamp()
    built_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'ready')", name="audit_reports_status_check"),
        CheckConstraint("origin IN ('request', 'schedule')", name="audit_reports_origin_check"),
        CheckConstraint("period_from < period_to", name="audit_reports_period_check"),
        Index("audit_reports_built_idx", "built_at", "id"),
    )
