import time
from collections.abc import Callable


def repeat_batches(step: Callable[[], int], *, batch_size: int, time_budget_seconds: float) -> int:
    """Run `step` until it returns a short batch or the budget is spent; return the total."""
    deadline = time.monotonic() + time_budget_seconds
    handled = 0
    while time.monotonic() < deadline:
        batch = step()
        handled += batch
        if batch < batch_size:
            break
    return handled
