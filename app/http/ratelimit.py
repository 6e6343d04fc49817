"""Rate limits per API key (or customer token), per replica: a token bucket of
settings.rate_limit_per_minute, announced with the IETF RateLimit header fields
(draft-ietf-httpapi-ratelimit-headers-09/10: `RateLimit-Policy` and `RateLimit`)."""

import math
import time
from dataclasses import dataclass

from app.errors import HelpdeskError

POLICY = "per-key"
WINDOW_SECONDS = 60
# Where the dependency leaves a request's counters for the middleware (in the request's state:
# app.http.middleware.RequestBodies adds their headers to the response).
STATE_KEY = "rate_limit"


class TooManyRequests(HelpdeskError):
    status, type, title = 429, "rate-limited", "Too many requests"


@dataclass(slots=True)
class Quota:
    """What a request found in its bucket; the header values are worked out only when the
    response is sent."""

    allowed: bool
    limit: int
    rate: float  # tokens a second
    tokens: float  # left after this request

    @property
    def remaining(self) -> int:
        return int(self.tokens)

    @property
    def reset_seconds(self) -> int:
        """Until the bucket is full again."""
        return math.ceil((self.limit - self.tokens) / self.rate)

    @property
    def retry_after(self) -> int:
        """Until the next request is allowed (0 when this one was)."""
        return 0 if self.allowed else max(1, math.ceil((1.0 - self.tokens) / self.rate))

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"ratelimit-policy", f'"{POLICY}";q={self.limit};w={WINDOW_SECONDS}'.encode()),
            (b"ratelimit", f'"{POLICY}";r={self.remaining};t={self.reset_seconds}'.encode()),
        ]


class RateLimiter:
    """One token bucket per caller, in this process's memory: `per_minute` requests a minute,
    refilled continuously, bursts up to `per_minute`. Per replica: N replicas allow N times
    the rate; the cost is a dict lookup and some arithmetic."""

    def __init__(self, per_minute: int) -> None:
        self.limit = per_minute
        self.rate = per_minute / WINDOW_SECONDS  # tokens a second
        self._buckets: dict[object, tuple[float, float]] = {}  # caller → (tokens, at)

    def take(self, caller: object, now: float | None = None) -> Quota:
        at = time.monotonic() if now is None else now
        bucket = self._buckets.get(caller)
        if bucket is None:
            tokens = float(self.limit)
            if len(self._buckets) > 100_000:
                # Callers seen long ago: a full bucket is what a new one gets anyway.
                self._buckets.clear()
        else:
            tokens = min(float(self.limit), bucket[0] + (at - bucket[1]) * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[caller] = (tokens, at)
        return Quota(allowed, self.limit, self.rate, tokens)


def refusal(quota: Quota) -> TooManyRequests:
    return TooManyRequests(
        f"more than {quota.limit} requests a minute with this key: retry in {quota.retry_after} s",
        retry_after=quota.retry_after,
    )
