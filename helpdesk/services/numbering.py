"""Ticket numbers per organization (ACME-1, ACME-2, ...), taken without a lock held to commit.

On PostgreSQL each organization has its own sequence, made with its first ticket: `nextval`
never waits for another creation to commit, so creations in one organization run side by side.
Like any sequence it does not roll back: a creation that fails after taking its number leaves
a gap. SQLite runs one write transaction at a time, so there the next number is the highest
plus one (docs/adr/0014-creation-cost.md).
"""

from django.db import connection
from django.db.models import Max

from helpdesk.models import Ticket

_NEXT = "SELECT CASE WHEN to_regclass(%s) IS NOT NULL THEN nextval(%s::text) END"
_ADVISORY_LOCK_CLASS = 0x7469636B  # "tick": the namespace of this module's advisory locks


def next_ticket_number(organization_id: int) -> int:
    if connection.vendor != "postgresql":
        highest = Ticket.objects.filter(organization_id=organization_id).aggregate(Max("number"))
        return (highest["number__max"] or 0) + 1
    name = _sequence_name(organization_id)
    with connection.cursor() as cursor:
        cursor.execute(_NEXT, [name, name])
        number = cursor.fetchone()[0]
        return number if number is not None else _first_number(cursor, organization_id, name)


def _sequence_name(organization_id: int) -> str:
    return f"helpdesk_ticket_number_org_{organization_id}"


def _first_number(cursor, organization_id: int, name: str) -> int:
    """Create the organization's sequence after any tickets it already has, and take from it."""
    # Two first creations at once: the second waits here until the first commits its sequence.
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_ADVISORY_LOCK_CLASS, organization_id])
    cursor.execute(
        "SELECT max(number) FROM helpdesk_ticket WHERE organization_id = %s", [organization_id]
    )
    start = (cursor.fetchone()[0] or 0) + 1
    cursor.execute(
        f"CREATE SEQUENCE IF NOT EXISTS {connection.ops.quote_name(name)} START WITH {int(start)}"
    )
    cursor.execute("SELECT nextval(%s::text)", [name])
    return cursor.fetchone()[0]
