"""Prometheus: HTTP requests and their latency by route template, and the text exposition of
those with the desk's own figures (multiprocess-safe when PROMETHEUS_MULTIPROC_DIR is set)."""

import os
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import multiprocess as multiprocess_mode
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from starlette.types import Scope

from app.services.monitoring import DeskFigures

CONTENT_TYPE = CONTENT_TYPE_LATEST
# The process's own request metrics. With PROMETHEUS_MULTIPROC_DIR set, prometheus_client keeps
# their values in files there, which a scrape of any worker process adds up.
HTTP = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "helpdesk_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ("method", "route", "status"),
    registry=HTTP,
)
LATENCY = Histogram(
    "helpdesk_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ("method", "route"),
    registry=HTTP,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route: the raw path is never a label (it would be unbounded)


def count(scope: Scope, status: int, seconds: float) -> None:
    """Count a request answered with `status` in `seconds`, under its route's template (the
    router sets the matched route on the scope it was given: the one app.http.middleware's
    RequestEdge passed on)."""
    # The template as documented: `{policy_id}`, not the route's `{policy_id:int}`.
    route = getattr(scope.get("route"), "path_format", None) or UNMATCHED
    method = scope["method"] if scope["method"] in _METHODS else "OTHER"
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


class _Desk(Collector):
    """The desk's figures of one scrape as metric families."""

    def __init__(self, figures: DeskFigures) -> None:
        self.figures = figures

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        f = self.figures
        labels = ("status", "priority", "team")
        opened = GaugeMetricFamily("helpdesk_open_tickets", "Open tickets.", labels=labels)
        breached = GaugeMetricFamily(
            "helpdesk_open_breached_tickets",
            "Open tickets with a breached SLA clock.",
            labels=labels,
        )
        for t in f.open_tickets:
            values = (t.status, t.priority, "" if t.team_id is None else str(t.team_id))
            opened.add_metric(values, t.open)
            breached.add_metric(values, t.breached)
        yield opened
        yield breached
        events = CounterMetricFamily(
            "helpdesk_sla_events",
            "SLA events recorded (warnings, breaches, missed callbacks).",
            labels=("metric", "kind"),
        )
        for metric, kind, count in f.sla_events:
            events.add_metric((metric, kind), count)
        yield events
        yield GaugeMetricFamily(
            "helpdesk_timers_pending", "Deadline timers not fired yet.", value=f.timers_pending
        )
        yield GaugeMetricFamily(
            "helpdesk_timers_overdue",
            "Deadline timers due and not fired yet.",
            value=f.timers_overdue,
        )
        yield GaugeMetricFamily(
            "helpdesk_worker_lag_seconds",
            "Age of the oldest deadline timer that is due and not fired (0: none).",
            value=f.worker_lag_seconds,
        )
        yield GaugeMetricFamily(
            "helpdesk_worker_replicas",
            "Deadline worker replicas reporting heartbeats.",
            value=f.worker_replicas,
        )


def exposition(figures: DeskFigures) -> bytes:
    """The Prometheus text of this process's (or every process's) HTTP metrics and `figures`."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        http = CollectorRegistry()
        multiprocess_mode.MultiProcessCollector(http)  # type: ignore[no-untyped-call]
    else:
        http = HTTP
    desk = CollectorRegistry(auto_describe=False)
    desk.register(_Desk(figures))
    return generate_latest(desk) + generate_latest(http)
