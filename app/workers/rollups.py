"""The rollups loop: brings the metrics' facts and daily tallies up to date with what changed,
pass after pass while there is more, then every HELPDESK_METRICS_ROLLUP_SECONDS. Any number of
replicas may run it: a pass locks the feeds' positions, so passes take turns."""

import asyncio
import contextlib
import logging

from app.services import rollups
from app.services.context import Desk
from app.store.errors import Busy
from app.workers.timers import Backoff

log = logging.getLogger(__name__)


async def keep(desk: Desk, stop: asyncio.Event, *, every: float | None = None) -> None:
    """Until `stop` is set."""
    pause = desk.settings.metrics_rollup_seconds if every is None else every
    backoff = Backoff()
    while not stop.is_set():
        more = False
        try:
            more = await rollups.catch_up(desk)
        except Busy:  # another replica's pass (or a summary's) holds the feeds: its turn
            wait = pause
        except Exception:
            log.warning("rollup pass failed; retrying with backoff", exc_info=True)
            wait = backoff.pause()
        else:
            backoff.reset()
            wait = pause
        if not more:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)
