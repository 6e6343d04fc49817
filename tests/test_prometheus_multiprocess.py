"""PROMETHEUS_MULTIPROC_DIR: two worker processes count their requests into the shared
directory, and a scrape from a third adds both up (prometheus_client picks its multiprocess
values when it is imported, so each process here is a fresh interpreter)."""

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

SERVE = """
import asyncio, sys
import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from app.http.middleware import RequestEdge

async def hello(request):
    return PlainTextResponse("hi")

app = RequestEdge(Starlette(routes=[Route("/v1/hello/{who}", hello)]))

async def main(n):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://worker") as client:
        for i in range(n):
            assert (await client.get(f"/v1/hello/{i}")).status_code == 200

asyncio.run(main(int(sys.argv[1])))
"""
SCRAPE = """
import sys
from app.http.telemetry import exposition
from app.services.monitoring import DeskFigures

figures = DeskFigures(open_tickets=[], sla_events=[], timers_pending=0, timers_overdue=0,
                      worker_lag_seconds=0.0, worker_replicas=2)
sys.stdout.write(exposition(figures).decode())
"""


def run(code: str, shared: Path, *args: str) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_scrape_adds_up_every_process(tmp_path: Path) -> None:
    run(SERVE, tmp_path, "3")
    run(SERVE, tmp_path, "4")
    assert len(list(tmp_path.glob("*.db"))) >= 2  # each process wrote its own files
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(run(SCRAPE, tmp_path))
        for s in family.samples
    }
    route = (("method", "GET"), ("route", "/v1/hello/{who}"))
    assert samples[("helpdesk_http_requests_total", (*route, ("status", "200")))] == 7
    assert samples[("helpdesk_http_request_duration_seconds_count", route)] == 7
    assert samples[("helpdesk_worker_replicas", ())] == 2
    # The raw paths never became labels.
    assert not any("/v1/hello/1" in str(labels) for _, labels in samples)
