"""What every use case runs with: the database, the settings and the app's own caches."""

from dataclasses import dataclass, field

from app.db import Database
from app.services.keys_cache import KeyCache
from app.services.policies import PolicyCache
from app.services.ticket_concurrency import TicketGate
from app.settings import Settings


@dataclass
class Desk:
    """One app's (or one worker's) service context. Settings are passed in here, never read
    from the environment by a service; caches belong to the app that made them."""

    db: Database
    settings: Settings
    policies: PolicyCache = field(default_factory=PolicyCache)
    keys: KeyCache = field(default_factory=lambda: KeyCache(5.0))
    tickets: TicketGate = field(default_factory=lambda: TicketGate(5, 2.0))
    # The key customer tokens are signed with, once read (app.services.customer_tokens).
    token_key: bytes | None = None
    # A read replica for the metrics (settings.database_read_url); None: the primary.
    replica: Database | None = None

    @property
    def reads(self) -> Database:
        """Where the metrics read: the replica when there is one."""
        return self.replica or self.db

    @classmethod
    def of(cls, db: Database, settings: Settings) -> "Desk":
        return cls(
            db,
            settings,
            PolicyCache(),
            KeyCache(settings.api_key_cache_seconds),
            # A quarter of the pool per hot ticket: the rest stays free for everyone else.
            TicketGate(max(1, settings.db_pool_size // 4), settings.db_lock_timeout_ms / 1000),
        )
