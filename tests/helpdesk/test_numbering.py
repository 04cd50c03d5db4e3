import threading

import pytest
from django.db import connection, transaction

from config.principal import Principal
from config.roles import Role
from helpdesk.services import tickets
from tests.accounts.factories import OrganizationFactory
from tests.concurrency import run_concurrently
from tests.helpdesk.factories import TicketFactory


def open_in(organization):
    actor = Principal(organization.pk, organization.slug, Role.AGENT, label="tester")
    return tickets.open_ticket(actor=actor, subject="x", requester_email="c@example.test")


@pytest.mark.django_db(transaction=True)
def test_first_tickets_opened_at_once_get_distinct_consecutive_numbers():
    organization = OrganizationFactory()

    numbers = run_concurrently(lambda: open_in(organization).number, 8)

    assert sorted(numbers) == list(range(1, 9))


@pytest.mark.django_db(transaction=True)
def test_an_open_creation_does_not_hold_up_the_next_one_in_the_same_organization():
    organization = OrganizationFactory()
    open_in(organization)  # the organization's sequence exists from here on
    numbered, release = threading.Event(), threading.Event()

    def slow_creation():
        with transaction.atomic():
            open_in(organization)
            numbered.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=slow_creation)
    holder.start()
    numbered.wait(10)
    try:
        with transaction.atomic():
            # Under a row lock held to commit this would wait for the holder and time out.
            connection.cursor().execute("SET LOCAL lock_timeout = '500ms'")
            number = open_in(organization).number
    finally:
        release.set()
        holder.join()

    assert number == 3


@pytest.mark.django_db
def test_numbering_continues_after_the_tickets_an_organization_already_has():
    organization = OrganizationFactory()
    TicketFactory(organization=organization, number=41, key="T-41")

    assert open_in(organization).number == 42
