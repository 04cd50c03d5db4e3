"""Transactions of use cases: a savepoint only where a caller could carry on after a failure.

A service runs in its own transaction, or inside its caller's behind a savepoint, so that a
caller catching its error (the admin showing a message) keeps a usable transaction. Inside an
`all_or_nothing()` block no caller catches: any error rolls the whole block back, so the use
case called there takes no savepoint of its own (two round trips fewer per request).
"""

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

_errors_undo_everything = ContextVar("errors_undo_everything", default=False)


@contextmanager
def all_or_nothing():
    """Open a transaction that every error escapes from, and that every error rolls back."""
    with transaction.atomic():
        token = _errors_undo_everything.set(True)
        try:
            yield
        finally:
            _errors_undo_everything.reset(token)


def use_case(function):
    """Run a service atomically; directly under all_or_nothing() without a savepoint."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        savepoint = not _errors_undo_everything.get()
        # What this use case calls may be caught by it: those keep their savepoints.
        token = _errors_undo_everything.set(False)
        try:
            with transaction.atomic(savepoint=savepoint):
                return function(*args, **kwargs)
        finally:
            _errors_undo_everything.reset(token)

    return run
