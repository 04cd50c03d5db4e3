"""Deadlines for blocking network calls, kept by one watchdog thread per process.

A socket timeout bounds each read only: a receiver dripping a byte at a time passes it. A
deadline cuts the whole exchange off. One long-lived thread keeps every deadline of the process;
a timer thread per request cost more than the request itself (its start waits for the new
thread, about 0.6 ms a webhook here).
"""

import contextlib
import heapq
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass(order=True)
class _Deadline:
    at: float
    number: int
    cut_off: Callable[[], None] = field(compare=False)
    expired: threading.Event = field(compare=False, default_factory=threading.Event)
    done: bool = field(compare=False, default=False)


class Watchdog:
    def __init__(self) -> None:
        self._numbers = itertools.count()
        self._start_afresh()
        # A forked child (a Celery pool process) inherits neither the thread nor a lock that
        # another thread may have held at the fork.
        os.register_at_fork(after_in_child=self._start_afresh)

    def _start_afresh(self) -> None:
        self._condition = threading.Condition()
        self._pending: list[_Deadline] = []
        self._running = False

    @contextlib.contextmanager
    def deadline(self, seconds: float, cut_off: Callable[[], None]) -> Iterator[threading.Event]:
        """Run `cut_off()` if the block is still running after `seconds`; yield the event that
        says it was (the block then fails, and the caller tells why)."""
        entry = _Deadline(time.monotonic() + seconds, next(self._numbers), cut_off)
        with self._condition:
            self._ensure_running()
            heapq.heappush(self._pending, entry)
            if self._pending[0] is entry:
                self._condition.notify()
        try:
            yield entry.expired
        finally:
            with self._condition:
                entry.done = True

    def _ensure_running(self) -> None:
        if not self._running:
            self._running = True
            threading.Thread(target=self._watch, name="deadline-watchdog", daemon=True).start()

    def _watch(self) -> None:
        while True:
            with self._condition:
                while self._pending and self._pending[0].done:
                    heapq.heappop(self._pending)
                if not self._pending:
                    self._condition.wait()
                    continue
                wait = self._pending[0].at - time.monotonic()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                entry = heapq.heappop(self._pending)
                entry.expired.set()
            entry.cut_off()


WATCHDOG = Watchdog()
