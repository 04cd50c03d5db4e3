"""The models and the migration graph agree: a deploy never needs a migration nobody wrote."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_its_migration():
    output = io.StringIO()

    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=output, stderr=output)
    except SystemExit:
        pytest.fail(f"Model changes without a migration:\n{output.getvalue()}")
