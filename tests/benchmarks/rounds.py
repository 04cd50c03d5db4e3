"""Rounds of concurrent HTTP clients, and the figures `make bench` prints of them."""

import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path
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


WRK_SCRIPT = Path(__file__).with_name("load.lua")


def wrk_round(
    url: str, *args: str, headers: dict[str, str], seconds: float, threads: int = 8
) -> dict:
    """Run wrk with load.lua at 8 connections for `seconds`; what it counted.

    `act` and `assign` need one connection per thread (the default).
    """
    command = [shutil.which("wrk"), f"-t{threads}", "-c8", f"-d{seconds}s", "-s", str(WRK_SCRIPT)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(
        [*command, url, "--", *args], capture_output=True, text=True, check=True
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT"))
    requests, micros, p50, p99, non_2xx_3xx, socket_errors = map(int, line.split()[1:])
    return {
        "requests": requests,
        "seconds": micros / 1e6,
        "p50_us": p50,
        "p99_us": p99,
        "errors": non_2xx_3xx,
        "socket_errors": socket_errors,
    }


def wrk_summary(runs: list[dict]) -> dict:
    """Requests per second over all rounds; the median round's p50 and p99."""
    return {
        "requests_per_second": round(
            sum(run["requests"] for run in runs) / sum(run["seconds"] for run in runs), 1
        ),
        "p50_ms": round(statistics.median(run["p50_us"] for run in runs) / 1000, 1),
        "p99_ms": round(statistics.median(run["p99_us"] for run in runs) / 1000, 1),
        "errors": sum(run["errors"] for run in runs),
        "socket_errors": sum(run["socket_errors"] for run in runs),
        "requests": sum(run["requests"] for run in runs),
    }
