"""Service settings, read from DEBT_COORD_* environment variables.

No settings at all gives the embedded default: a SQLite file under var/ and in-process jobs.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, HttpUrl, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

STATEMENT_MAX_BYTES_CEILING = 64 * 1024 * 1024
"""The most DEBT_COORD_STATEMENT_MAX_BYTES may be: the statements route's own body limit in Litestar."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEBT_COORD_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    """SQLite (sqlite:///path) or PostgreSQL (postgresql://...); empty means var/debt_coord.db."""
    redis_url: str | None = None
    """Celery broker and result backend; none means jobs run in-process."""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: HttpUrl | None = None
    """The service's address as the outside sees it (https://schulden.example.nl, a path allowed), for every
    absolute link it hands out (a debtor's page, schedule and calendar); none means http://HOST:PORT. A request's
    own Host header is never used: anyone can send any."""
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    """`serve` closes a connection that has not sent a complete request head this long after connecting (or after
    its previous answer): slow clients cannot hold connections open."""
    body_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    """A request body must arrive in full this long after the head; a slower one gets 408 and the connection ends."""
    seed_demo: bool = True
    """Seed a demo case with demo API keys when the database is empty (embedded default)."""
    sql_echo: bool = False

    # Jobs (solving plans): Celery workers on Redis, or threads of the API process without Redis.
    worker_concurrency: int = Field(default=2, ge=1, le=64)
    """Processes of one `debt-coord worker` (Celery prefork); scale out by starting more workers."""
    job_threads: int = Field(default=2, ge=1, le=32)
    """Threads of the API process that run jobs when there is no Redis (the embedded default)."""
    job_lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    """How long a running job is a worker's without a heartbeat; a heartbeat renews it every third of it."""
    job_sweep_interval_seconds: float = Field(default=15.0, gt=0, le=3600)
    """How often the sweeper looks for jobs whose message or worker was lost."""
    job_requeue_after_seconds: float = Field(default=120.0, ge=0, le=86_400)
    """A job still queued this long after it was last sent is sent again (its message may be lost)."""
    job_max_attempts: int = Field(default=5, ge=1, le=100)
    """Runs a job gets (each crash of a worker mid-job counts) before it fails for good."""
    job_soft_time_limit_seconds: float = Field(default=660.0, gt=0)
    """Celery soft time limit of a job: above the solver's own limit (at most 600 s)."""
    job_hard_time_limit_seconds: float = Field(default=720.0, gt=0)
    redis_visibility_timeout_seconds: int = Field(default=3600, ge=60)
    """Redis redelivers an unacknowledged message after this long; well above the hard time limit."""

    # Rate limits: requests per API key (per client address without a key), counted in Redis or in memory.
    rate_limit_requests: int = Field(default=1200, ge=0)
    """Requests one API key may make per window; more get 429 with Retry-After. 0 turns the limit off."""
    rate_limit_window_seconds: int = Field(default=60, ge=1, le=86_400)
    """The window's length; it starts at the key's first request."""
    rate_limit_redis_url: str | None = None
    """Where the counts live, shared by every API process; none means REDIS_URL, and without either, in memory."""

    # Webhooks: delivered from the outbox by a loop in the API process (no Redis) or by a worker.
    webhook_in_process_delivery: bool = True
    """Without Redis, the API process runs the webhook delivery loop itself (the embedded default)."""
    webhook_poll_seconds: float = Field(default=2.0, gt=0, le=3600)
    """How often the delivery loop looks for due deliveries."""
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    """A receiver must answer a delivery within this long, or the attempt counts as failed."""
    webhook_max_attempts: int = Field(default=10, ge=1, le=50)
    """Attempts per delivery (backoff 5 s, 30 s, 2 min, 10 min, 1 h, 3 h, then 6 h) before it is failed."""

    # Proposals: creditors that have not answered are reminded before the response deadline.
    reminder_days_before_deadline: int = Field(default=3, ge=0, le=60)
    """Silent creditors get one `plan.reminder` webhook when the deadline is this many days away or closer."""
    reminder_check_seconds: float = Field(default=300.0, gt=0, le=86_400)
    """How often the webhook delivery loop looks for proposals whose deadline is near."""
    arrears_grace_bank_days: int = Field(default=5, ge=0, le=60)
    """An installment not fully paid this many bank days after its date is overdue."""
    statement_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=STATEMENT_MAX_BYTES_CEILING)
    """A bank statement (POST /v1/cases/{id}/statements) may be this large; any other request body 1 MiB."""
    statement_window_days: int = Field(default=10, ge=0, le=92)
    """A statement's payment pays installments falling due up to this many days after it was booked (paid early);
    installments due before it (paid late) always."""
    arrears_suggest_failure_dates: int = Field(default=3, ge=1, le=120)
    """With this many payment dates in arrears, the installments suggest ending the plan as failed."""

    # Messages to the debtor (messages/): when they are looked for and sent, and the channels. A channel without
    # its settings is not configured: its messages are skipped, and say so. No credentials live in the repository.
    message_check_seconds: float = Field(default=60.0, gt=0, le=3600)
    """How often due messages are sent (the planner runs once a day and plans a month ahead)."""
    message_uncertain_after_seconds: float = Field(default=300.0, gt=0, le=86_400)
    """A message taken for sending this long ago without an outcome: its worker died; marked uncertain, not resent."""
    message_templates_dir: Path | None = None
    """Organisations' own message texts: <dir>/<organisation id>/<language>/<kind>.<tone>.txt (and email.html)
    replace ours file by file (messages/texts.py)."""
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    """`none` only for a local relay (tests start one with aiosmtpd)."""
    mail_from: str | None = None
    """The From address of the debtor's e-mails, e.g. "Schuldhulp Utrecht <noreply@example.org>"."""
    sms_api_base: str = "https://api.twilio.com"
    """The SMS gateway (Twilio's Programmable Messaging REST API)."""
    sms_account_sid: str | None = None
    sms_auth_token: SecretStr | None = None
    """Authenticates sends and signs the gateway's status callbacks (X-Twilio-Signature)."""
    sms_from: str | None = None
    """An E.164 sender number, or a Messaging Service SID (MG...)."""
    whatsapp_api_base: str = "https://graph.facebook.com/v21.0"
    """The WhatsApp Business Cloud API (Graph API) with its version."""
    whatsapp_phone_number_id: str | None = None
    whatsapp_access_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    """Signs the Cloud API's webhooks (X-Hub-Signature-256)."""
    whatsapp_verify_token: SecretStr | None = None
    """The token Meta echoes in its webhook verification (GET /v1/callbacks/whatsapp, hub.verify_token)."""

    # Browser forms (the creditor page): Litestar's CSRF tokens are signed with this.
    csrf_secret: SecretStr | None = Field(default=None, min_length=32)
    """Signs the CSRF tokens of the page forms; every API process must share it. None means a random one per start,
    fine for one process (the embedded default), not for several behind one address."""

    # Observability: Prometheus metrics, OpenTelemetry traces, logs.
    metrics_token: SecretStr | None = Field(default=None, min_length=16)
    """Bearer token that GET /metrics (and a worker's metrics port) must carry; none means no metrics (404)."""
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """`debt-coord worker` serves the metrics of its pool processes on this port (needs METRICS_TOKEN)."""
    otel_endpoint: str | None = None
    """OTLP/HTTP collector base URL (spans go to <it>/v1/traces); none means traces are exported nowhere."""
    log_format: Literal["text", "json"] = "text"
    """`json`: one JSON object per log line, with request_id and trace_id."""

    @model_validator(mode="after")
    def _job_limits_nest(self) -> Self:
        if not self.job_soft_time_limit_seconds < self.job_hard_time_limit_seconds:
            raise ValueError("job_soft_time_limit_seconds must be below job_hard_time_limit_seconds")
        if not 2 * self.job_hard_time_limit_seconds <= self.redis_visibility_timeout_seconds:
            raise ValueError("redis_visibility_timeout_seconds must be at least twice job_hard_time_limit_seconds")
        return self

    @field_validator("public_url")
    @classmethod
    def _a_base(cls, value: HttpUrl | None) -> HttpUrl | None:
        if value is not None and (value.query or value.fragment):
            raise ValueError("a base URL has no query or fragment")
        return value

    @property
    def effective_public_url(self) -> str:
        """The base of the absolute links the service hands out, without a trailing slash."""
        if self.public_url is not None:
            return str(self.public_url).rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'debt_coord.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
