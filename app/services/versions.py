"""The one If-Match check: a write names the version it read, and a stale one is refused."""

from app.errors import PreconditionFailed


def check(what: str, current: int, expected: int) -> None:
    """`what` is at `current`; the caller read `expected`. Different: 412, nothing written."""
    if current != expected:
        raise PreconditionFailed(
            f"{what} is at version {current}, not {expected}: "
            "fetch it again and reapply your change",
            current_version=current,
        )
