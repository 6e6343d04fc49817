"""What a process's event streams are given: how they are written (the wire) and their limits."""

from collections.abc import Callable
from dataclasses import dataclass

from app.services.context import Desk

# The bytes a following stream may have queued and not yet taken (its reader is slow): past
# them it stops following and reads on from the table at its own pace; memory stays bounded.
QUEUED_BYTES = 1 << 20

Position = tuple[int, int]  # where in the feed: (transaction, event id), as a cursor holds it


@dataclass(frozen=True, slots=True)
class Wire:
    """How the stream is written (the HTTP layer gives it): an event's frame from its cursor,
    type and JSON; a block that only sets the client's last event id; a heartbeat."""

    event: Callable[[str, str, str], bytes]
    last_id: Callable[[str], bytes]
    heartbeat: bytes


@dataclass(frozen=True)
class StreamLimits:
    heartbeat_seconds: float = 15.0
    poll_seconds: float = 5.0
    per_key: int = 10
    per_process: int = 500
    queued_bytes: int = QUEUED_BYTES

    @classmethod
    def of(cls, desk: Desk) -> "StreamLimits":
        s = desk.settings
        return cls(
            heartbeat_seconds=s.event_stream_heartbeat_seconds,
            poll_seconds=s.event_stream_poll_seconds,
            per_key=s.event_streams_per_key,
            per_process=s.event_streams_per_process,
        )
