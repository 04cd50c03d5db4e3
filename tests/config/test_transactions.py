import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization
from config.transactions import all_or_nothing, use_case

pytestmark = pytest.mark.django_db(transaction=True)


class Refused(Exception):
    pass


@use_case
def create(slug: str, *, fail: bool = False) -> None:
    Organization.objects.create(slug=slug, name=slug)
    if fail:
        raise Refused


def savepoints(queries) -> int:
    return sum(query["sql"].startswith("SAVEPOINT") for query in queries)


def test_a_use_case_directly_under_all_or_nothing_takes_no_savepoint():
    with CaptureQueriesContext(connection) as queries, all_or_nothing():
        create("acme")

    assert savepoints(queries) == 0
    assert Organization.objects.filter(slug="acme").exists()


def test_an_error_under_all_or_nothing_undoes_the_whole_block():
    with pytest.raises(Refused), all_or_nothing():
        Organization.objects.create(slug="before", name="before")
        create("acme", fail=True)

    assert not Organization.objects.exists()


def test_a_caller_may_catch_a_use_case_error_and_carry_on_in_its_transaction():
    with transaction.atomic():
        Organization.objects.create(slug="before", name="before")
        with pytest.raises(Refused):
            create("acme", fail=True)
        Organization.objects.create(slug="after", name="after")

    assert sorted(Organization.objects.values_list("slug", flat=True)) == ["after", "before"]


def test_use_cases_called_by_a_use_case_keep_their_savepoints():
    @use_case
    def create_two():
        create("first")
        with pytest.raises(Refused):
            create("second", fail=True)

    with all_or_nothing():
        create_two()

    assert list(Organization.objects.values_list("slug", flat=True)) == ["first"]
