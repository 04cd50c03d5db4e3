import threading
from contextlib import contextmanager

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


@contextmanager
def inserts_lose_a_race(table: str):
    """Inserting into `table` fails as a deadlock's loser does: here, after the file is stored."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION lose_a_race() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'lost a race' USING ERRCODE = '40P01'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER lose_a_race BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION lose_a_race()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:  # a transactional test commits what it creates
            cursor.execute("DROP FUNCTION lose_a_race() CASCADE")
