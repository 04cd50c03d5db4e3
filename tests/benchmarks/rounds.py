"""Rounds of concurrent HTTP clients, and the figures `make bench` prints of them."""

import statistics
import threading
import time
from typing import Protocol


class Client(Protocol):
    """One keep-alive client driven in its own thread; it records each request's latency."""

    latencies: list[float]
    failure: str

    def run_until(self, deadline: float) -> None: ...


def run_round(clients: list[Client], seconds: float) -> dict:
    """Drive every client in its own thread for `seconds`; return what this round did."""
    for client in clients:
        client.latencies = []
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=t.run_until, args=(deadline,)) for t in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "seconds": time.perf_counter() - started,
        "latencies": [latency for client in clients for latency in client.latencies],
    }


def latency_summary(runs: list[dict]) -> dict:
    latencies = sorted(latency for run in runs for latency in run["latencies"])
    return {
        "requests_per_second": round(len(latencies) / sum(run["seconds"] for run in runs), 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "requests": len(latencies),
    }
