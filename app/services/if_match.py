"""The one If-Match check: a write names the version it read, and a stale one is refused."""

from app.errors import PreconditionFailed

# What an If-Match header may name besides a version: `*` (any version will do) and entity tags
# this service never issued (no version matches them). Versions start at 1.
ANY = -1
NONE = 0


def check(what: str, current: int, expected: int) -> None:
    """`what` is at `current`; the caller read `expected` (or sent `*`: ANY). Different: 412,
    nothing written."""
    if expected == ANY:
        return
    if current != expected:
        named = f"not {expected}" if expected != NONE else "not a version this service issued"
        raise PreconditionFailed(
            f"{what} is at version {current}, {named}: fetch it again and reapply your change",
            current_version=current,
        )
