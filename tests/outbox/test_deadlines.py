"""The watchdog cuts off what outlives its deadline, and only that, in a forked child too."""

import os
import threading

from outbox.services.deadlines import WATCHDOG, Watchdog


def test_a_block_that_outlives_its_deadline_is_cut_off_and_told():
    cut = threading.Event()

    with WATCHDOG.deadline(0.05, cut.set) as expired:
        assert cut.wait(timeout=10)

    assert expired.is_set()


def test_a_block_that_ends_in_time_is_never_cut_off():
    cut = threading.Event()

    with WATCHDOG.deadline(0.3, cut.set) as expired:
        pass

    assert not cut.wait(timeout=0.6)
    assert not expired.is_set()


def test_a_forked_child_keeps_deadlines_of_its_own():
    watchdog = Watchdog()
    with watchdog.deadline(60, lambda: None):  # the parent's thread runs, holding a deadline
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child, reported by its exit status
            cut = threading.Event()
            with watchdog.deadline(0.05, cut.set):
                os._exit(0 if cut.wait(timeout=10) else 1)
    _, status = os.waitpid(child, 0)

    assert os.waitstatus_to_exitcode(status) == 0
