"""Reliable messaging: `outbox.emit(...)` inside a transaction; the drain publishes after commit."""


def emit(**fields):
    """Write an event in the caller's transaction (see outbox.services.messages.emit)."""
    from outbox.services.messages import emit as emit_message

    return emit_message(**fields)
