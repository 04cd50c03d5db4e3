import threading

from django.core.cache import cache

from config import cache as counters


def test_counts_add_up_and_the_counter_expires_with_its_window():
    assert [counters.count("hits", window_seconds=30) for _ in range(3)] == [1, 2, 3]

    client = cache._cache.get_client()
    ttl = client.ttl(cache.make_and_validate_key("hits"))
    assert 0 < ttl <= 30
    assert cache.get("hits") == 3  # readable through the cache like any value


def test_concurrent_counts_are_never_lost():
    def count_fifty():
        for _ in range(50):
            counters.count("busy", window_seconds=30)

    threads = [threading.Thread(target=count_fifty) for _ in range(4)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]

    assert cache.get("busy") == 200
