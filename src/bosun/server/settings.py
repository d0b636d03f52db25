"""Settings of the control plane, read from BOSUN_* environment variables.

Built by `bosun controlplane` (and tests) and handed to `create_app(settings)`. Nothing
here does I/O except `resolved_*` helpers that create the data dir on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

AuthMode = Literal["none", "token", "oidc"]
Mode = Literal["local", "cluster"]


class Settings(BaseSettings):
    """Every knob of the control plane. Env var = BOSUN_ + field name in upper case."""

    model_config = SettingsConfigDict(env_prefix="BOSUN_", extra="ignore")

    mode: Mode = Field(
        default="local",
        description="local: resources live in the database; cluster: in the Kubernetes API.",
    )
    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("bosun")),
        description="Where the SQLite database and the local-mode secret key live.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Default: SQLite (WAL) in data_dir. "
        "postgresql://... is accepted and run with asyncpg.",
    )
    auth: AuthMode = "none"
    token_file: Path | None = Field(
        default=None,
        description='token mode: CSV lines `token,user[,uid[,"group1,group2"]]` '
        "(the Kubernetes static token file format).",
    )
    oidc_issuer: str | None = None
    oidc_audience: str | None = Field(
        default=None,
        description="The `aud` every OIDC token must carry. Default: oidc_client_id (the "
        "ID tokens the web UI's SSO sign-in gets are issued to that client).",
    )
    oidc_client_id: str | None = Field(
        default=None,
        description="The web UI's public OIDC client (authorization code + PKCE, no secret); "
        "set: the login screen offers 'Sign in with SSO'.",
    )
    oidc_scopes: str = Field(
        default="openid profile email", description="Scopes the web UI's SSO sign-in asks."
    )
    oidc_redirect_path: str = Field(
        default="/auth/callback",
        description="Path of the UI's redirect URI ({public origin}{path}, as registered "
        "with the provider).",
    )
    oidc_jwks_url: str | None = Field(
        default=None, description="Default: {issuer}/.well-known/jwks.json"
    )
    oidc_user_claim: str = "sub"
    oidc_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    service_account_auth: bool | None = Field(
        default=None,
        description="Accept Kubernetes ServiceAccount tokens (TokenReview). Default: on in "
        "cluster mode.",
    )
    service_account_audience: str | None = Field(
        default=None, description="Audience the projected ServiceAccount tokens carry."
    )
    admins: list[str] = Field(
        default_factory=list,
        description="Users (or group:NAME) who see everyone's usage. In auth mode none "
        "everyone is an admin.",
    )
    default_user: str = Field(
        default="admin@bosun.local", description="The user in auth mode none."
    )
    secret_key_path: Path | None = Field(
        default=None,
        description="The control plane's secret key (agents' push keys, local agent tokens, "
        "local Secrets); default <data dir>/secret.key. The chart mounts it from a Secret, "
        "so every replica and every restart derives the same keys.",
    )
    public_url: str | None = Field(
        default=None,
        description="How clients reach the control plane (for agent cards). Default: taken "
        "from each request.",
    )
    internal_url: str | None = Field(
        default=None,
        description="How agents reach the control plane (BOSUN_URL given to agent pods), "
        "e.g. http://bosun-controlplane.bosun-system:8083.",
    )
    agent_port: int = Field(default=8080, description="Port of agent Services in cluster mode.")
    proxy_timeout: float = Field(
        default=600.0, description="Seconds an A2A call through the proxy may take."
    )
    max_agent_answer_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="Largest answer the control plane holds from an agent: a non-streamed "
        "answer through the A2A proxy (else 502) and the answer text /mcp invoke_agent "
        "collects (else a tool error, the task cancelled); streams through the proxy pass "
        "through without a limit.",
    )
    sync_resources: bool = Field(
        default=True,
        description="Mirror agents and discovered tools from the store into the database.",
    )

    # --- governance: the model gateway and Policies (docs/gateway.md, docs/policy.md) ----
    model_gateway: bool = Field(
        default=False,
        description="Route every agent's OpenAI/Anthropic ModelConfig through the model "
        "gateway (BOSUN_MODEL_GATEWAY=on) unless annotated gateway.bosun.dev/route: false.",
    )
    gateway_audience: str = Field(
        default="bosun", description="Audience of the ServiceAccount tokens agents send."
    )
    policy_refresh: float = Field(
        default=2.0, ge=0, description="Seconds a namespace's Policies are cached."
    )

    # --- governance: authorization, audit, metrics, MCP Host/Origin (docs/api.md) -------
    rbac: str | None = Field(
        default=None,
        description='Roles as JSON: {"admin": [...], "editor": {"ns": [...]}, "viewer": '
        "[...]} (auth/rbac.py). Unset: admins are BOSUN_ADMINS, everyone else a viewer.",
    )
    audit_stdout: bool | None = Field(
        default=None,
        description="Audit records as JSON lines on stdout. Default: on in cluster mode.",
    )
    audit_file: Path | None = Field(
        default=None, description="Also append the audit JSON lines to this file."
    )
    audit_bodies: bool = Field(
        default=False,
        description="Put prompts, answers and tool arguments in audit records (off: never).",
    )
    metrics: bool = Field(default=True, description="Serve Prometheus metrics at /metrics.")
    allowed_hosts: str | None = Field(
        default=None,
        description="Extra Host names /mcp accepts (comma-separated or JSON list; "
        "*.example.com, * for any). Loopback, IPs and, in cluster mode, Service names are "
        "always accepted; so is the host of public_url.",
    )
    allowed_origins: str | None = Field(
        default=None,
        description="Browser Origins /mcp accepts besides loopback and its own host "
        "(comma-separated or JSON list; * for any).",
    )

    # --- retention: pruning old rows of the database (server/retention.py, docs/api.md) --
    audit_retention_days: int = Field(
        default=90, ge=0, description="Days audit records are kept (0: forever)."
    )
    metering_retention_days: int = Field(
        default=400,
        ge=0,
        description="Days the gateway's metered requests, Policy counters and usage rows "
        "are kept (0: forever); never less than 31 (the longest Policy window).",
    )
    task_retention_days: int = Field(
        default=0,
        ge=0,
        description="Days ended tasks and idle sessions (with their events) are kept after "
        "their last activity (0: forever; conversations are user data). Tasks still going "
        "are never deleted.",
    )
    retention_interval_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="Seconds between retention passes, the first at start (0: none). "
        "Memory TTL pruning keeps its own BOSUN_MEMORY_PRUNE_SECONDS.",
    )
    retention_batch_size: int = Field(
        default=5000, ge=1, description="Most rows one retention delete statement removes."
    )

    @model_validator(mode="after")
    def _audience_defaults_to_client_id(self) -> Settings:
        # A public client's ID token has aud = its client id: without an explicit audience
        # that is the one the API accepts, so `oidc_client_id` alone enables the UI's SSO.
        if not self.oidc_audience and self.oidc_client_id:
            self.oidc_audience = self.oidc_client_id
        return self

    @field_validator("oidc_redirect_path")
    @classmethod
    def _redirect_path_is_a_path(cls, value: str) -> str:
        if not value.startswith("/") or value.startswith("//"):
            raise ValueError("oidc_redirect_path must be a path starting with one '/'")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str | None) -> str | None:
        if url is None:
            return None
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+asyncpg://" + url.removeprefix(plain)
        if url.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
        return url

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{self.data_dir / 'bosun.db'}"

    @property
    def secret_key_file(self) -> Path:
        return self.secret_key_path or self.data_dir / "secret.key"

    @property
    def accept_service_accounts(self) -> bool:
        if self.service_account_auth is None:
            return self.mode == "cluster"
        return self.service_account_auth

    @property
    def audit_to_stdout(self) -> bool:
        if self.audit_stdout is None:
            return self.mode == "cluster"
        return self.audit_stdout
