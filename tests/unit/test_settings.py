import pytest

from hub.infra.settings import DEV_TOKEN_SECRET, BrokerKind, DatabaseBackend, Environment, Settings, SettingsError

SECRET = "s" * 40


def test_defaults_are_embedded():
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite+aiosqlite:///./hub.db"
    assert settings.database_backend is DatabaseBackend.SQLITE
    assert settings.broker_kind is BrokerKind.IN_PROCESS
    assert settings.env is Environment.DEV
    assert settings.token_secret == DEV_TOKEN_SECRET


def test_production_values():
    settings = Settings.from_env(
        {
            "HUB_ENV": "prod",
            "HUB_DATABASE_URL": "postgresql+asyncpg://hub@db:5432/hub",
            "HUB_BROKER_URL": "redis://cache:6379/0",
            "HUB_TOKEN_SECRET": SECRET,
            "HUB_TOKEN_PREVIOUS_SECRETS": f"{'p' * 32}, {'q' * 32}",
            "HUB_OUTBOX_REDELIVER_AFTER_SECONDS": "30",
            "HUB_SIGNING_KEY": "/etc/hub/hub.key.pem",
            "HUB_SIGNING_CERT": "/etc/hub/hub.cert.pem",
            "HUB_MAX_ENVELOPE_BYTES": "1000000",
        }
    )
    assert settings.database_backend is DatabaseBackend.POSTGRESQL
    assert settings.broker_kind is BrokerKind.REDIS
    assert settings.previous_token_secrets == ("p" * 32, "q" * 32)
    assert settings.outbox.redeliver_after_seconds == 30.0
    assert settings.documents.signing_key == "/etc/hub/hub.key.pem"
    assert settings.documents.max_envelope_bytes == 1_000_000


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        (
            {"HUB_DATABASE_URL": "postgresql://hub@db/hub"},
            "HUB_DATABASE_URL='postgresql://hub@db/hub' is not valid: use the asyncpg driver",
        ),
        ({"HUB_DATABASE_URL": "mysql://x"}, "HUB_DATABASE_URL"),
        ({"HUB_BROKER_URL": "amqp://guest@x"}, "HUB_BROKER_URL='amqp://guest@x' is not valid"),
        ({"HUB_ENV": "staging"}, "expected one of dev, test, prod"),
        ({"HUB_TOKEN_SECRET": "short"}, "at least 32 characters"),
        (
            {"HUB_WORKER_THREADS": "-1"},
            "HUB_WORKER_THREADS='-1' is not valid: expected a number greater than zero",
        ),
        ({"HUB_WORKER_THREADS": "many"}, "HUB_WORKER_THREADS='many' is not valid"),
        ({"HUB_ENV": "prod"}, "HUB_TOKEN_SECRET must be set when HUB_ENV=prod"),
        ({"HUB_ENV": "prod", "HUB_TOKEN_SECRET": "s" * 32}, "HUB_SIGNING_KEY and HUB_SIGNING_CERT must be set"),
        ({"HUB_SIGNING_KEY": "/etc/hub/hub.key.pem"}, "are set together"),
    ],
)
def test_bad_values_are_named(env, fragment):
    with pytest.raises(SettingsError, match=None) as caught:
        Settings.from_env(env)
    assert fragment in str(caught.value)
