"""The hub's configuration: one typed object read from the environment, failing loudly on a bad value."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./hub.db"
# An insecure, well-known secret so that `hub demo` and `hub serve` work with no configuration.
# HUB_ENV=prod refuses to start with it.
DEV_TOKEN_SECRET = "hub-development-secret-do-not-use-in-production"
MIN_SECRET_LENGTH = 32

T = TypeVar("T")


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable and what is expected."""


class Environment(enum.StrEnum):
    DEV = "dev"
    TEST = "test"
    PROD = "prod"


class DatabaseBackend(enum.StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


class BrokerKind(enum.StrEnum):
    IN_PROCESS = "in-process"
    REDIS = "redis"


@dataclass(frozen=True)
class GraphQLLimits:
    """Limits on each GraphQL document, checked before it runs; each check visits a fragment once."""

    max_depth: int = 12
    max_aliases: int = 20
    max_tokens: int = 2500  # the largest document the hub itself sends has 161 tokens
    # Fields selected, each multiplied by the list sizes asked above it (`first`, `limit`, or a list's default).
    max_cost: int = 50_000
    # Schema introspection and "did you mean" suggestions; None: on, except under HUB_ENV=prod.
    introspection: bool | None = None


@dataclass(frozen=True)
class HttpLimits:
    """Limits on what one HTTP request may send."""

    # /graphql bodies; None: what the largest allowed request needs (a base64 envelope of the largest size).
    max_graphql_body_bytes: int | None = None
    # A request body must arrive within this long after the request starts (slow senders are cut off).
    body_timeout_seconds: float = 30.0
    # After a request whose body was at least this large, the C heap's free pages are given back (malloc_trim,
    # at most once a second; hub.infra.heap.MemoryRelease). 0: never.
    release_memory_after_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class OutboxSettings:
    poll_seconds: float = 1.0
    redeliver_after_seconds: float = 120.0
    max_attempts: int = 10
    max_sends: int = 20
    batch_size: int = 500


@dataclass(frozen=True)
class ConnectorSettings:
    """Where the external systems are; an empty URL means not connected (their work waits, nothing is lost)."""

    population_url: str = ""
    population_token: str = ""
    civil_registry_url: str = ""
    civil_registry_token: str = ""
    # The civil-status software's extracts (trích lục khai sinh, khai tử), signed by the office holding the record.
    civil_status_url: str = ""
    civil_status_token: str = ""
    # BHXH's contribution system (hệ thống quản lý thu): employers, contribution months and salaries of insured people.
    contributions_url: str = ""
    contributions_token: str = ""
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class DocumentSettings:
    """Signed documents: size limit, the hub's signing identity, trust-store refresh, gateway tokens."""

    max_envelope_bytes: int = 20 * 1024 * 1024
    # One table of an envelope, decoded: as large as the base64 of the largest envelope can carry (3/4 of it).
    max_table_bytes: int = 15 * 1024 * 1024
    # The hub's key and certificate (PEM files); without them a development identity is generated in dev_signing_dir.
    signing_key: str = ""
    signing_cert: str = ""
    dev_signing_dir: str = "./hub-dev-signing"
    trust_refresh_seconds: float = 30.0
    gateway_token_minutes: int = 60


@dataclass(frozen=True)
class ConsoleSettings:
    """The officers' console: its cookies are Secure (HTTPS only) unless turned off for plain-HTTP development."""

    secure_cookies: bool = True
    session_minutes: int = 480


@dataclass(frozen=True)
class Settings:
    env: Environment = Environment.DEV
    database_url: str = DEFAULT_DATABASE_URL
    broker_url: str = ""
    token_secret: str = DEV_TOKEN_SECRET
    previous_token_secrets: tuple[str, ...] = ()
    token_ttl_days: int = 90
    worker_threads: int = 8
    graphql: GraphQLLimits = field(default_factory=GraphQLLimits)
    http: HttpLimits = field(default_factory=HttpLimits)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    connectors: ConnectorSettings = field(default_factory=ConnectorSettings)
    documents: DocumentSettings = field(default_factory=DocumentSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    log_level: str = "INFO"

    @property
    def database_backend(self) -> DatabaseBackend:
        return DatabaseBackend.SQLITE if self.database_url.startswith("sqlite") else DatabaseBackend.POSTGRESQL

    @property
    def broker_kind(self) -> BrokerKind:
        return BrokerKind.REDIS if self.broker_url else BrokerKind.IN_PROCESS

    @property
    def is_dev(self) -> bool:
        return self.env is Environment.DEV

    @property
    def introspection(self) -> bool:
        """Whether GraphQL answers introspection and suggests field names (the committed SDL documents prod)."""
        if self.graphql.introspection is not None:
            return self.graphql.introspection
        return self.env is not Environment.PROD

    @property
    def max_graphql_body_bytes(self) -> int:
        """The /graphql body cap: as set, or room for the largest envelope in base64 plus 1 MiB of query."""
        if self.http.max_graphql_body_bytes is not None:
            return self.http.max_graphql_body_bytes
        return -(-self.documents.max_envelope_bytes * 4 // 3) + 1024 * 1024

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read every HUB_* variable; raise SettingsError naming the first bad one."""
        reader = _Reader(environ)
        env = reader.get("HUB_ENV", Environment.DEV, _enum(Environment))
        database_url = reader.get("HUB_DATABASE_URL", DEFAULT_DATABASE_URL, _database_url)
        broker_url = reader.get("HUB_BROKER_URL", "", _broker_url)
        token_secret = reader.get("HUB_TOKEN_SECRET", DEV_TOKEN_SECRET, _secret)
        if env is Environment.PROD and token_secret == DEV_TOKEN_SECRET:
            raise SettingsError(
                "HUB_TOKEN_SECRET must be set when HUB_ENV=prod "
                f"(a random string of at least {MIN_SECRET_LENGTH} characters, e.g. `openssl rand -hex 32`)"
            )
        no_secrets: tuple[str, ...] = ()
        previous = reader.get("HUB_TOKEN_PREVIOUS_SECRETS", no_secrets, _secret_list)
        defaults = OutboxSettings()
        limits = GraphQLLimits()
        signing_key = reader.get("HUB_SIGNING_KEY", "", str)
        signing_cert = reader.get("HUB_SIGNING_CERT", "", str)
        if bool(signing_key) != bool(signing_cert):
            raise SettingsError("HUB_SIGNING_KEY and HUB_SIGNING_CERT are set together (PEM key and certificate files)")
        if env is Environment.PROD and not signing_key:
            raise SettingsError(
                "HUB_SIGNING_KEY and HUB_SIGNING_CERT must be set when HUB_ENV=prod: the hub signs its receipts"
            )
        documents = DocumentSettings()
        return cls(
            env=env,
            database_url=database_url,
            broker_url=broker_url,
            token_secret=token_secret,
            previous_token_secrets=previous,
            token_ttl_days=reader.get("HUB_TOKEN_TTL_DAYS", 90, _positive(int)),
            worker_threads=reader.get("HUB_WORKER_THREADS", 8, _positive(int)),
            graphql=GraphQLLimits(
                max_depth=reader.get("HUB_GRAPHQL_MAX_DEPTH", limits.max_depth, _positive(int)),
                max_aliases=reader.get("HUB_GRAPHQL_MAX_ALIASES", limits.max_aliases, _positive(int)),
                max_tokens=reader.get("HUB_GRAPHQL_MAX_TOKENS", limits.max_tokens, _positive(int)),
                max_cost=reader.get("HUB_GRAPHQL_MAX_COST", limits.max_cost, _positive(int)),
                introspection=reader.get("HUB_GRAPHQL_INTROSPECTION", None, _flag),
            ),
            http=HttpLimits(
                max_graphql_body_bytes=reader.get("HUB_MAX_GRAPHQL_BODY_BYTES", None, _positive(int)),
                body_timeout_seconds=reader.get(
                    "HUB_BODY_TIMEOUT_SECONDS", HttpLimits().body_timeout_seconds, _positive(float)
                ),
                release_memory_after_bytes=reader.get(
                    "HUB_RELEASE_MEMORY_AFTER_BYTES", HttpLimits().release_memory_after_bytes, _not_negative(int)
                ),
            ),
            outbox=OutboxSettings(
                poll_seconds=reader.get("HUB_OUTBOX_POLL_SECONDS", defaults.poll_seconds, _positive(float)),
                redeliver_after_seconds=reader.get(
                    "HUB_OUTBOX_REDELIVER_AFTER_SECONDS", defaults.redeliver_after_seconds, _positive(float)
                ),
                max_attempts=reader.get("HUB_JOB_MAX_ATTEMPTS", defaults.max_attempts, _positive(int)),
                max_sends=reader.get("HUB_OUTBOX_MAX_SENDS", defaults.max_sends, _positive(int)),
                batch_size=defaults.batch_size,
            ),
            connectors=ConnectorSettings(
                population_url=reader.get("HUB_POPULATION_URL", "", _http_url),
                population_token=reader.get("HUB_POPULATION_TOKEN", "", str),
                civil_registry_url=reader.get("HUB_CIVIL_REGISTRY_URL", "", _http_url),
                civil_registry_token=reader.get("HUB_CIVIL_REGISTRY_TOKEN", "", str),
                civil_status_url=reader.get("HUB_CIVIL_STATUS_URL", "", _http_url),
                civil_status_token=reader.get("HUB_CIVIL_STATUS_TOKEN", "", str),
                contributions_url=reader.get("HUB_CONTRIBUTIONS_URL", "", _http_url),
                contributions_token=reader.get("HUB_CONTRIBUTIONS_TOKEN", "", str),
                timeout_seconds=reader.get("HUB_CONNECTOR_TIMEOUT_SECONDS", 10.0, _positive(float)),
            ),
            documents=DocumentSettings(
                max_envelope_bytes=reader.get("HUB_MAX_ENVELOPE_BYTES", documents.max_envelope_bytes, _positive(int)),
                max_table_bytes=reader.get("HUB_MAX_TABLE_BYTES", documents.max_table_bytes, _positive(int)),
                signing_key=signing_key,
                signing_cert=signing_cert,
                dev_signing_dir=reader.get("HUB_DEV_SIGNING_DIR", documents.dev_signing_dir, str),
                trust_refresh_seconds=reader.get(
                    "HUB_TRUST_REFRESH_SECONDS", documents.trust_refresh_seconds, _positive(float)
                ),
                gateway_token_minutes=reader.get(
                    "HUB_GATEWAY_TOKEN_MINUTES", documents.gateway_token_minutes, _positive(int)
                ),
            ),
            console=ConsoleSettings(
                secure_cookies=reader.get("HUB_CONSOLE_SECURE_COOKIES", True, _flag),
                session_minutes=reader.get("HUB_CONSOLE_SESSION_MINUTES", 480, _positive(int)),
            ),
            log_level=reader.get("HUB_LOG_LEVEL", "INFO", _enum_str({"DEBUG", "INFO", "WARNING", "ERROR"})),
        )


class _Reader:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def get(self, name: str, default: T, parse: Callable[[str], T]) -> T:
        raw = self._environ.get(name, "").strip()
        if not raw:
            return default
        try:
            return parse(raw)
        except (ValueError, TypeError) as exc:
            raise SettingsError(f"{name}={raw!r} is not valid: {exc}") from None


E = TypeVar("E", bound=enum.StrEnum)


def _enum(kind: type[E]) -> Callable[[str], E]:
    def parse(raw: str) -> E:
        try:
            return kind(raw.lower())
        except ValueError:
            raise ValueError(f"expected one of {', '.join(m.value for m in kind)}") from None

    return parse


def _enum_str(allowed: set[str]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw.upper() not in allowed:
            raise ValueError(f"expected one of {', '.join(sorted(allowed))}")
        return raw.upper()

    return parse


def _not_negative(kind: Callable[[str], T]) -> Callable[[str], T]:
    def parse(raw: str) -> T:
        value = kind(raw)
        if value < 0:  # type: ignore[operator]
            raise ValueError("expected zero or a number greater than zero")
        return value

    return parse


def _positive(kind: Callable[[str], T]) -> Callable[[str], T]:
    def parse(raw: str) -> T:
        value = kind(raw)
        if value <= 0:  # type: ignore[operator]
            raise ValueError("expected a number greater than zero")
        return value

    return parse


def _flag(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def _database_url(raw: str) -> str:
    if raw.startswith("sqlite+aiosqlite://") or raw.startswith("postgresql+asyncpg://"):
        return raw
    if raw.startswith(("postgresql://", "postgres://")):
        raise ValueError("use the asyncpg driver: postgresql+asyncpg://user@host:5432/dbname")
    if raw.startswith("sqlite://"):
        raise ValueError("use the aiosqlite driver: sqlite+aiosqlite:///path/to/hub.db")
    raise ValueError("expected sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db")


def _broker_url(raw: str) -> str:
    if raw.startswith(("redis://", "rediss://")):
        return raw
    raise ValueError("expected redis://host:6379/0, or leave it unset for the in-process broker")


def _http_url(raw: str) -> str:
    if raw.startswith(("http://", "https://")):
        return raw.rstrip("/")
    raise ValueError("expected an http:// or https:// base URL")


def _secret(raw: str) -> str:
    if len(raw) < MIN_SECRET_LENGTH:
        raise ValueError(f"a token secret must be at least {MIN_SECRET_LENGTH} characters")
    return raw


def _secret_list(raw: str) -> tuple[str, ...]:
    return tuple(_secret(part.strip()) for part in raw.split(",") if part.strip())
