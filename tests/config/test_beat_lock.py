"""The beat lock's own connection: the database's options, and a dead peer noticed quickly."""

from config.beat import BeatLock


def test_the_lock_connection_keeps_the_databases_tls_options_and_sets_liveness_limits():
    database = {
        "NAME": "serviceflow",
        "HOST": "db.internal",
        "PORT": 5432,
        "USER": "app",
        "PASSWORD": "secret",
        "OPTIONS": {"sslmode": "verify-full", "sslrootcert": "/ca.pem", "pool": True},
    }

    parameters = BeatLock(database).connection_parameters()

    assert parameters["sslmode"] == "verify-full"
    assert parameters["sslrootcert"] == "/ca.pem"
    assert "pool" not in parameters  # Django's option, not libpq's
    assert parameters["dbname"] == "serviceflow" and parameters["password"] == "secret"
    assert parameters["connect_timeout"] <= 5
    assert parameters["keepalives"] == 1 and parameters["tcp_user_timeout"] <= 10_000
