"""Verified API keys remembered for a few seconds, so a request costs no extra round trip; and
when each key's last use was last written."""

import time

from app.domain.access import Principal

# A key's last use is written at most this often per replica: a busy key costs one UPDATE a
# minute, not one per request.
TOUCH_EVERY_SECONDS = 60.0


class KeyCache:
    """A revoked key stops working on this replica within `ttl` seconds (at once on the replica
    that revoked it); an expired one at its expiry, cached or not (the caller checks)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._touched: dict[int, float] = {}

    def get(self, key_hash: str) -> Principal | None:
        entry = self._entries.get(key_hash)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key_hash: str, principal: Principal) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[key_hash] = (time.monotonic() + self.ttl, principal)

    def clear(self) -> None:
        self._entries.clear()
        self._touched.clear()

    def touch_due(self, key_id: int) -> bool:
        """Whether the key's last use should be written now (and, if so, it counts as written)."""
        now = time.monotonic()
        last = self._touched.get(key_id)
        if last is not None and now - last < TOUCH_EVERY_SECONDS:
            return False
        if len(self._touched) > 10_000:
            self._touched.clear()
        self._touched[key_id] = now
        return True
