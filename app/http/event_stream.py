"""Server-Sent Events on the wire: the `text/event-stream` response, its lines, and its write
timeout (a reader too slow to keep up is disconnected, never buffered without end)."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

log = logging.getLogger("helpdesk.event_stream")

HEADERS = {
    "Cache-Control": "no-cache",
    # nginx and its kin pass each event on at once instead of buffering the response.
    "X-Accel-Buffering": "no",
}


def retry(milliseconds: int) -> bytes:
    """The reconnection delay a client is advised (EventSource honours it)."""
    return f"retry: {milliseconds}\n\n".encode()


def last_id(cursor: str) -> bytes:
    """A block with an id and no data: no event is dispatched, but the client's last event id
    becomes `cursor` (what it reconnects with)."""
    return f"id: {cursor}\n\n".encode()


def event(cursor: str, type: str, data_json: str) -> bytes:
    """One event: its id (the feed cursor after it), its type and its JSON (one line)."""
    return f"id: {cursor}\nevent: {type}\ndata: {data_json}\n\n".encode()


HEARTBEAT = b": heartbeat\n\n"


class EventStreamResponse(StreamingResponse):
    """A `text/event-stream` response of `chunks`. A chunk the client has not taken within
    `write_timeout` seconds ends the stream (the client resumes from its last event id).
    `on_close` runs once, however the response ends (finished, disconnected, cut off)."""

    media_type = "text/event-stream"

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        *,
        write_timeout: float,
        on_close: Callable[[], None],
    ) -> None:
        super().__init__(chunks, media_type="text/event-stream", headers=HEADERS)
        self.write_timeout = write_timeout
        self.on_close = on_close
        self.chunks = chunks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.on_close()
            aclose = getattr(self.chunks, "aclose", None)
            if aclose is not None:
                await aclose()

    async def stream_response(self, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        loop = asyncio.get_running_loop()
        streaming = asyncio.current_task()
        assert streaming is not None
        sending_since: float | None = None
        cut_off = False

        async def watch() -> None:
            # One timer per stream, not one per chunk (a timeout around each send cost a
            # quarter of a busy replica's time).
            nonlocal cut_off
            while True:
                await asyncio.sleep(self.write_timeout / 2)
                since = sending_since
                if since is not None and loop.time() - since > self.write_timeout:
                    cut_off = True
                    streaming.cancel()
                    return

        watchdog = asyncio.create_task(watch())
        try:
            async for chunk in self.body_iterator:
                sending_since = loop.time()
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                sending_since = None
        except asyncio.CancelledError:
            if not cut_off:
                raise
            streaming.uncancel()
            # Returning unfinished makes the server close the connection; the reader
            # reconnects with its last event id and misses nothing.
            log.info("an event stream's reader fell behind; it is disconnected")
            return
        finally:
            watchdog.cancel()
        await send({"type": "http.response.body", "body": b"", "more_body": False})
