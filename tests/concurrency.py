import threading

from django.db import connection


def run_concurrently(task, times: int) -> list:
    """Run `task` in `times` threads released together, each on its own database connection.

    Return the results; re-raise the first error a thread hit.
    """
    barrier = threading.Barrier(times)
    results, errors = [], []

    def run() -> None:
        try:
            barrier.wait()
            results.append(task())
        except Exception as exc:  # re-raised in the calling thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
