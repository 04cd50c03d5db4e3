"""An organization with tens of thousands of tickets, written by INSERT … SELECT in seconds.

Every ticket has what the API reads and writes about it: a requester among a few hundred
contacts, a tag, an assignee on every third, and the history its status and version imply
(`new` at version 1 with its creation event; `open` at version 2 with its `open` event too).
"""

from django.db import connection, transaction

from helpdesk.models import Contact, Tag
from helpdesk.services.tickets import key_prefix

CONTACTS = 300
TAGS = ("billing", "login", "hardware", "network", "access", "mail", "printer", "vpn")

_TICKETS = """
INSERT INTO helpdesk_ticket (
    version, organization_id, number, key, subject, description, requester_id, assignee_id,
    priority, status, created_at, updated_at, opened_at, first_response_breached,
    resolution_breached, sla_paused_seconds)
SELECT
    CASE WHEN n %% 2 = 0 THEN 2 ELSE 1 END, %(organization)s, n, %(prefix)s || '-' || n,
    'Seeded request ' || n, 'Seeded for the benchmark; nothing to do.',
    (%(contacts)s::bigint[])[1 + n %% %(contact_count)s],
    CASE WHEN n %% 3 = 0 THEN %(assignee)s::bigint END,
    (ARRAY['low', 'normal', 'high', 'urgent'])[1 + n %% 4],
    CASE WHEN n %% 2 = 0 THEN 'open' ELSE 'new' END,
    now() - (%(last)s - n) * interval '1 second', now() - (%(last)s - n) * interval '1 second',
    CASE WHEN n %% 2 = 0 THEN now() END, false, false, 0
FROM generate_series(%(first)s::int, %(last)s::int) AS n
"""
_TAGS = """
INSERT INTO helpdesk_ticket_tags (ticket_id, tag_id)
SELECT id, (%(tags)s::bigint[])[1 + number %% %(tag_count)s]
FROM helpdesk_ticket
WHERE organization_id = %(organization)s AND number BETWEEN %(first)s AND %(last)s
"""
_EVENTS = """
INSERT INTO helpdesk_ticketevent (
    ticket_id, actor_label, action, from_status, to_status, payload, version_after,
    changed_fields, created_at)
SELECT id, 'seed', 'create', '', 'new', '{}'::jsonb, 1, '["status"]'::jsonb, created_at
FROM helpdesk_ticket
WHERE organization_id = %(organization)s AND number BETWEEN %(first)s AND %(last)s
UNION ALL
SELECT id, 'seed', 'open', 'new', 'open', '{}'::jsonb, 2, '["status"]'::jsonb, created_at
FROM helpdesk_ticket
WHERE organization_id = %(organization)s AND number BETWEEN %(first)s AND %(last)s
    AND status = 'open'
"""


def add_tickets(organization, *, first: int, last: int, assignee_id: int) -> None:
    """Insert tickets numbered `first`..`last` with their requesters, tags and history."""
    contacts = _contacts(organization)
    tags = [Tag.objects.get_or_create(organization=organization, name=name)[0].pk for name in TAGS]
    values = {
        "organization": organization.pk,
        "prefix": key_prefix(organization.slug),
        "contacts": contacts,
        "contact_count": len(contacts),
        "tags": tags,
        "tag_count": len(tags),
        "assignee": assignee_id,
        "first": first,
        "last": last,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in (_TICKETS, _TAGS, _EVENTS):
            cursor.execute(statement, values)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE helpdesk_ticket, helpdesk_ticket_tags, helpdesk_ticketevent")


def _contacts(organization) -> list[int]:
    Contact.objects.bulk_create(
        [
            Contact(organization=organization, email=f"customer{n}@seeded.example")
            for n in range(CONTACTS)
        ],
        ignore_conflicts=True,
    )
    return list(
        Contact.objects.filter(organization=organization, email__endswith="@seeded.example")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
