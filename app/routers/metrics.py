"""/v1/metrics: the KPIs a service-desk manager reads (definitions in app.domain.metrics)."""

from typing import Annotated

from fastapi import APIRouter, Response

from app.domain.metrics import DEFINITIONS, SERIES_DEFINITIONS, described
from app.http.deps import ReadCall, query, query_parameters
from app.http.responses import json_body
from app.http.telemetry import CONTENT_TYPE, exposition
from app.schemas.metrics import (
    AgentMetrics,
    AgentMetricsQuery,
    MetricsQuery,
    MetricsSummary,
    Timeseries,
    TimeseriesQuery,
)
from app.services import metrics, monitoring

router = APIRouter(prefix="/v1/metrics", tags=["metrics"])

PERIOD = (
    "The period is [`from`, `to`) (default: the 30 days before now); the figures are of the "
    "tickets the caller sees that match the filters (`agent_id`: the assignee). An empty "
    "period gives counts of 0 and null means, rates and scores. Times are wall-clock "
    "seconds; the SLA figures count business time by each ticket's calendar (its due times)."
)


@router.get(
    "/summary",
    response_model=MetricsSummary,
    operation_id="metrics_summary",
    openapi_extra=query_parameters(MetricsQuery),
    description=f"Every KPI over a period. {PERIOD}\n\n"
    + described(*(name for name in DEFINITIONS if name != "agents")),
)
async def summary(call: ReadCall, q: Annotated[MetricsQuery, query(MetricsQuery)]) -> Response:
    return json_body(
        (await metrics.summary(call.desk, q, visible=call.visible, now=call.now)).model_dump(
            by_alias=True
        )
    )


@router.get(
    "/timeseries",
    response_model=Timeseries,
    operation_id="metrics_timeseries",
    openapi_extra=query_parameters(TimeseriesQuery),
    description="One KPI per bucket: calendar days, ISO weeks (from Monday) or months in "
    "`tz`, starting at local midnight (so a day is 23 or 25 hours long across a DST change). "
    "The first bucket holds `from`, the last the instant before `to`; at most 400 buckets. "
    f"{PERIOD}\n\n" + "\n".join(f"* `{name}`: {text}" for name, text in SERIES_DEFINITIONS.items()),
)
async def timeseries(
    call: ReadCall, q: Annotated[TimeseriesQuery, query(TimeseriesQuery)]
) -> Response:
    return json_body(
        (await metrics.timeseries(call.desk, q, visible=call.visible, now=call.now)).model_dump(
            by_alias=True
        )
    )


@router.get(
    "/agents",
    response_model=AgentMetrics,
    operation_id="metrics_agents",
    openapi_extra=query_parameters(AgentMetricsQuery),
    description=f"Per-agent KPIs, sorted by `sort`. {PERIOD}\n\n" + described("agents"),
)
async def agents(
    call: ReadCall, q: Annotated[AgentMetricsQuery, query(AgentMetricsQuery)]
) -> Response:
    return json_body(
        (await metrics.agents(call.desk, q, visible=call.visible, now=call.now)).model_dump(
            by_alias=True
        )
    )


prometheus = APIRouter(tags=["metrics"])


@prometheus.get(
    "/metrics",
    operation_id="prometheus_metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {"schema": {"type": "string"}}}}},
)
async def prometheus_metrics(call: ReadCall) -> Response:
    """Prometheus text exposition (any key that may read; the ticket figures are those the key
    sees): `helpdesk_open_tickets` and `helpdesk_open_breached_tickets` by status, priority and
    team; `helpdesk_sla_events_total` by metric and kind; `helpdesk_timers_pending`,
    `helpdesk_timers_overdue`, `helpdesk_worker_lag_seconds` (age of the oldest due timer),
    `helpdesk_worker_replicas`; `helpdesk_http_requests_total` and
    `helpdesk_http_request_duration_seconds` by method and route template. Several worker
    processes are added up when PROMETHEUS_MULTIPROC_DIR is set."""
    figures = await monitoring.figures(call.desk, visible=call.visible, now=call.now)
    return Response(exposition(figures), media_type=CONTENT_TYPE)
