import logging

import pytest
from django.db import connection

from config.warmup import warm_up


@pytest.mark.django_db(transaction=True)
def test_warm_up_connects_the_database_and_survives_a_cache_that_is_down(settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    connection.close()

    with caplog.at_level(logging.WARNING, logger="config.warmup"):
        warm_up()

    assert connection.connection is not None and connection.is_usable()
    assert "Could not warm up the cache connection" in caplog.text
