"""Test doubles that are not mocks: a clock the test moves by hand."""

from datetime import datetime, timedelta


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def set(self, now: datetime) -> None:
        self.current = now

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current
