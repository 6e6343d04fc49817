"""Service settings, read from the environment (the names docs/operations.md lists)."""

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    # Fields by their own names too (tests and benchmarks pass them directly).
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL; unset → an embedded PostgreSQL under the data dir.",
    )
    database_read_url: str | None = Field(
        default=None,
        description="A read replica for the metrics' queries; unset → the primary.",
    )
    metrics_rollup_seconds: float = Field(
        default=5,
        gt=0,
        validation_alias="HELPDESK_METRICS_ROLLUP_SECONDS",
        description="How often the worker brings the metrics' rollups up to date when there "
        "is nothing left to take in (a summary also catches up before it reads).",
    )
    metrics_statement_timeout_seconds: float = Field(
        default=120,
        gt=0,
        validation_alias="HELPDESK_METRICS_STATEMENT_TIMEOUT_SECONDS",
        description="How long one metrics query may run (a year's summary reads every ticket "
        "of the year); other statements keep the pool's 30 s.",
    )
    data_dir: Path = Field(default=Path(".data"), validation_alias="HELPDESK_DATA_DIR")
    log_level: str = Field(default="INFO", validation_alias="HELPDESK_LOG_LEVEL")
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto",
        validation_alias="HELPDESK_LOG_FORMAT",
        description="auto: lines for a person when stderr is a terminal, JSON otherwise.",
    )
    max_body_bytes: int = Field(default=1024 * 1024, validation_alias="HELPDESK_MAX_BODY_BYTES")
    max_header_bytes: int = Field(
        default=16 * 1024,
        validation_alias="HELPDESK_MAX_HEADER_BYTES",
        description="Request line and headers larger than this get 431.",
    )
    header_timeout_seconds: float = Field(
        default=10.0,
        validation_alias="HELPDESK_HEADER_TIMEOUT_SECONDS",
        description="A request's line and headers must arrive within this time.",
    )
    keep_alive_seconds: int = Field(
        default=5,
        validation_alias="HELPDESK_KEEP_ALIVE_SECONDS",
        description="An idle connection (before its first request too) is closed after this.",
    )
    max_connections: int = Field(
        default=1000,
        validation_alias="HELPDESK_MAX_CONNECTIONS",
        description="Connections and requests in flight per process; beyond it, 503.",
    )
    db_pool_size: int = Field(default=20, validation_alias="HELPDESK_DB_POOL_SIZE")
    db_acquire_timeout_seconds: float = Field(
        default=5.0,
        validation_alias="HELPDESK_DB_ACQUIRE_TIMEOUT_SECONDS",
        description="How long a request waits for a free database connection before a 503.",
    )
    db_lock_timeout_ms: int = Field(
        default=2000,
        validation_alias="HELPDESK_DB_LOCK_TIMEOUT_MS",
        description="How long a write waits for a row another request holds before a 409.",
    )
    db_statement_timeout_ms: int = Field(
        default=30000,
        validation_alias="HELPDESK_DB_STATEMENT_TIMEOUT_MS",
        description="The longest any one statement may run before the request is a 503.",
    )
    api_key_cache_seconds: float = Field(
        default=5.0,
        validation_alias="HELPDESK_API_KEY_CACHE_SECONDS",
        description="How long a verified API key is trusted without asking the database again.",
    )

    follow_up_lead_seconds: int = Field(
        default=2 * 3600,
        validation_alias="HELPDESK_FOLLOW_UP_LEAD_SECONDS",
        description="How long before a next-update deadline the follow-up reminder is raised.",
    )
    callback_grace_seconds: int = Field(
        default=30 * 60,
        validation_alias="HELPDESK_CALLBACK_GRACE_SECONDS",
        description="How long after a requested callback time an outbound call may still come.",
    )
    auto_close_days: int = Field(
        default=7,
        validation_alias="HELPDESK_AUTO_CLOSE_DAYS",
        description="A ticket resolved this many days is closed.",
    )
    # ---- routing ----
    default_team_id: int | None = Field(
        default=None,
        validation_alias="HELPDESK_DEFAULT_TEAM_ID",
        description="The team a new ticket goes to when it names none and no routing rule matches.",
    )
    escalation_ack_target_seconds: int = Field(
        default=3600,
        validation_alias="HELPDESK_ESCALATION_ACK_TARGET_SECONDS",
        description="How long the receiving side has to acknowledge an escalation: a reminder "
        "halfway, past it a hierarchical escalation to the team's supervisor.",
    )
    # ----
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias="HELPDESK_CORS_ORIGINS",
        description="Browser origins allowed to call the API (comma-separated); none by default.",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    # ---- access, audit and privacy -----------------------------------------------------------
    secret_key: str | None = Field(
        default=None,
        validation_alias="HELPDESK_SECRET_KEY",
        description="Signs customer tokens; unset → a random secret kept in the database "
        "(the same for every replica).",
    )
    mail_domain: str = Field(
        default="helpdesk.invalid",
        validation_alias="HELPDESK_MAIL_DOMAIN",
        description="The domain of the Message-IDs the desk gives its outbound email.",
    )
    mail_addresses: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias="HELPDESK_MAIL_ADDRESSES",
        description="The desk's own sending addresses (comma-separated): mail from one of them "
        "posted back in is the desk's own, recorded and never appended.",
    )

    @field_validator("mail_addresses", mode="before")
    @classmethod
    def _split_addresses(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            return [str(address).strip().lower() for address in value if str(address).strip()]
        return value

    customer_token_seconds: int = Field(
        default=3600,
        validation_alias="HELPDESK_CUSTOMER_TOKEN_SECONDS",
        description="How long a customer portal token is valid.",
    )
    key_rotation_grace_seconds: int = Field(
        default=24 * 3600,
        validation_alias="HELPDESK_KEY_ROTATION_GRACE_SECONDS",
        description="How long a rotated API key keeps working beside its successor.",
    )
    event_stream_heartbeat_seconds: float = Field(
        default=15,
        gt=0,
        validation_alias="HELPDESK_EVENT_STREAM_HEARTBEAT_SECONDS",
        description="The longest a quiet event stream goes without a `: heartbeat` comment "
        "line, so proxies keep it open: one timer for the process ticks twice a period and a "
        "stream following the feed gets a heartbeat after two quiet ticks (between half a "
        "period and a period of quiet); a stream still catching up, or waiting while the "
        "database is away, after a whole period without news.",
    )
    event_stream_retry_ms: int = Field(
        default=3000,
        ge=0,
        validation_alias="HELPDESK_EVENT_STREAM_RETRY_MS",
        description="The reconnection delay an event stream advises its client (`retry:`).",
    )
    event_stream_poll_seconds: float = Field(
        default=5,
        gt=0,
        validation_alias="HELPDESK_EVENT_STREAM_POLL_SECONDS",
        description="How often a replica looks for new events without being notified (a "
        "NOTIFY lost while the database restarted).",
    )
    event_streams_per_key: int = Field(
        default=10,
        ge=1,
        validation_alias="HELPDESK_EVENT_STREAMS_PER_KEY",
        description="Event streams one API key may hold open on one replica; beyond, 429.",
    )
    event_streams_per_process: int = Field(
        default=500,
        ge=1,
        validation_alias="HELPDESK_EVENT_STREAMS_PER_PROCESS",
        description="Event streams one replica holds open; beyond, 503.",
    )
    event_stream_write_timeout_seconds: float = Field(
        default=10,
        gt=0,
        validation_alias="HELPDESK_EVENT_STREAM_WRITE_TIMEOUT_SECONDS",
        description="A stream whose reader takes longer than this to accept more is closed "
        "(it resumes from its last event id), rather than buffered without end.",
    )
    rate_limit_per_minute: int = Field(
        default=1200,
        validation_alias="HELPDESK_RATE_LIMIT_PER_MINUTE",
        description="Requests per API key and minute, per replica (0: no limit).",
    )
    audit_reads: bool = Field(
        default=True,
        validation_alias="HELPDESK_AUDIT_READS",
        description="Record reads of personal data (customers, ticket bodies, exports).",
    )
    audit_read_commit: Literal["sync", "async"] = Field(
        default="async",
        validation_alias="HELPDESK_AUDIT_READ_COMMIT",
        description="How a read's own audit entry commits: `async` (synchronous_commit off for "
        "that one statement: a PostgreSQL crash can lose the last fraction of a second of read "
        "records, never a write) or `sync` (like every write).",
    )
    audit_append_only: bool = Field(
        default=False,
        validation_alias="HELPDESK_AUDIT_APPEND_ONLY",
        description="Revoke UPDATE and DELETE on the audit log from the service's own "
        "database role at migration time.",
    )
    backup_key: SecretStr | None = Field(
        default=None,
        validation_alias="HELPDESK_BACKUP_KEY",
        description="Encrypts backups (`helpdesk backup --new-key` makes one); several, "
        "comma-separated: the first encrypts, each decrypts. Keep it apart from the backups.",
    )
    retention_days: int | None = Field(
        default=None,
        validation_alias="HELPDESK_RETENTION_DAYS",
        description="Closed tickets older than this have their personal data erased (unset: kept).",
    )

    # ---- the audit report ----
    audit_thresholds: dict[str, float] = Field(
        default_factory=dict,
        validation_alias="HELPDESK_AUDIT_THRESHOLDS",
        description="The audit report's thresholds that differ from their defaults, as JSON by "
        'check id (`{"service.sla.first_response": 0.95}`); docs/reports.md lists the checks.',
    )
    cost_rates: dict[str, float] = Field(
        default_factory=dict,
        validation_alias="HELPDESK_COST_RATES",
        description="Cost of an hour of handle time, as JSON by team id, `default` for the "
        'others (`{"default": 40, "3": 65}`); unset: the audit reports no cost.',
    )
    audit_report_schedule: Literal["monthly", "off"] = Field(
        default="monthly",
        validation_alias="HELPDESK_AUDIT_REPORT_SCHEDULE",
        description="`monthly`: the worker writes the previous calendar month's audit report "
        "(UTC) on the 1st of each month; `off`: only those asked for.",
    )

    # ---- attachments ----
    attachment_storage: Literal["postgres", "s3"] = Field(
        default="postgres",
        validation_alias="HELPDESK_ATTACHMENT_STORAGE",
        description="Where attachments' content is kept: `postgres` (in the database, in "
        "chunks) or `s3` (any S3-compatible store, the HELPDESK_S3_* settings).",
    )
    attachment_max_bytes: int = Field(
        default=25 * 1024 * 1024,
        gt=0,
        validation_alias="HELPDESK_ATTACHMENT_MAX_BYTES",
        description="The largest file one upload may carry.",
    )
    attachment_message_max_bytes: int = Field(
        default=50 * 1024 * 1024,
        gt=0,
        validation_alias="HELPDESK_ATTACHMENT_MESSAGE_MAX_BYTES",
        description="The most all the files of one interaction may carry together.",
    )
    attachment_unsent_hours: int = Field(
        default=24,
        gt=0,
        validation_alias="HELPDESK_ATTACHMENT_UNSENT_HOURS",
        description="How long an upload waits for the interaction that sends it: then it is "
        "deleted, row and content.",
    )
    s3_bucket: str | None = Field(default=None, validation_alias="HELPDESK_S3_BUCKET")
    s3_prefix: str = Field(
        default="attachments/",
        validation_alias="HELPDESK_S3_PREFIX",
        description="Prepended to each object's key (the content's SHA-256).",
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        validation_alias="HELPDESK_S3_ENDPOINT_URL",
        description="An S3-compatible store's URL (MinIO, Ceph); unset → AWS.",
    )
    s3_region: str = Field(default="us-east-1", validation_alias="HELPDESK_S3_REGION")
    s3_access_key_id: str | None = Field(default=None, validation_alias="HELPDESK_S3_ACCESS_KEY_ID")
    s3_secret_access_key: SecretStr | None = Field(
        default=None, validation_alias="HELPDESK_S3_SECRET_ACCESS_KEY"
    )

    worker_batch: int = Field(default=500, validation_alias="HELPDESK_WORKER_BATCH")
    worker_max_sleep_seconds: float = Field(
        default=30.0, validation_alias="HELPDESK_WORKER_MAX_SLEEP_SECONDS"
    )

    # ---- events out (webhooks) ----
    webhook_max_attempts: int = Field(
        default=8, ge=1, validation_alias="HELPDESK_WEBHOOK_MAX_ATTEMPTS"
    )
    webhook_backoff_seconds: float = Field(
        default=5.0, gt=0, validation_alias="HELPDESK_WEBHOOK_BACKOFF_SECONDS"
    )
    webhook_backoff_max_seconds: float = Field(
        default=3600.0, gt=0, validation_alias="HELPDESK_WEBHOOK_BACKOFF_MAX_SECONDS"
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, validation_alias="HELPDESK_WEBHOOK_TIMEOUT_SECONDS"
    )
    webhook_allowed_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias="HELPDESK_WEBHOOK_ALLOWED_NETWORKS",
        description="Private or loopback networks deliveries may reach all the same "
        "(comma-separated CIDRs, e.g. `127.0.0.0/8`); none by default.",
    )
    webhook_batch: int = Field(default=100, ge=1, validation_alias="HELPDESK_WEBHOOK_BATCH")

    @field_validator("webhook_allowed_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            value = [network.strip() for network in value.split(",") if network.strip()]
        for network in value if isinstance(value, list) else []:
            ipaddress.ip_network(network, strict=False)  # a bad one stops the start, named
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
