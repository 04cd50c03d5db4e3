import factory

from helpdesk.models import Contact, Ticket
from tests.accounts.factories import OrganizationFactory

# The body of a request that opens a ticket through the API.
NEW_TICKET = {
    "subject": "Cannot sign in",
    "description": "Password rejected since this morning.",
    "requester": {"email": "dana@customer.example", "name": "Dana"},
    "priority": "high",
    "tags": ["login"],
}


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"customer{n}@example.test")
    name = factory.Faker("name")


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket put straight into a state, for tests of what happens from that state."""

    class Meta:
        model = Ticket

    organization = factory.SubFactory(OrganizationFactory)
    number = factory.Sequence(lambda n: n + 1)
    key = factory.LazyAttribute(lambda t: f"T-{t.number}")
    subject = factory.Faker("sentence", nb_words=5)
    requester = factory.SubFactory(
        ContactFactory, organization=factory.SelfAttribute("..organization")
    )
    status = Ticket.Status.NEW

    class Params:
        opened = factory.Trait(status=Ticket.Status.OPEN)
        pending = factory.Trait(status=Ticket.Status.PENDING)
        resolved = factory.Trait(status=Ticket.Status.RESOLVED)
        closed = factory.Trait(status=Ticket.Status.CLOSED)
        cancelled = factory.Trait(status=Ticket.Status.CANCELLED)
