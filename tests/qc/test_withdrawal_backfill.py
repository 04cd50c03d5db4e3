"""Inspections that tasks cancelled in review left open before withdrawal existed are
withdrawn by the release that brings it (qc migration 0004)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from config.roles import Role
from qc.models import Inspection, InspectionEvent
from tests.workflow.acting import act, member


@pytest.mark.django_db(transaction=True)
def test_an_inspection_left_open_by_an_earlier_cancel_is_withdrawn_with_its_history(
    organization, in_review
):
    act(in_review, "cancel", member(organization, Role.ADMIN), {"reason": "Order dropped."})
    inspection = Inspection.objects.get(task=in_review)
    executor = MigrationExecutor(connection)
    executor.migrate([("qc", "0003_inspection_withdrawn")])
    with connection.cursor() as cursor:  # as a cancel before 0003 left it
        cursor.execute(
            "UPDATE qc_inspection SET status = 'open', decided_at = NULL, version = 1 "
            "WHERE id = %s",
            [inspection.pk],
        )
        cursor.execute("DELETE FROM qc_inspectionevent WHERE action = 'withdrawn'")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    inspection.refresh_from_db()
    assert (inspection.status, inspection.version) == (Inspection.Status.WITHDRAWN, 2)
    assert inspection.decided_at is not None
    last = InspectionEvent.objects.filter(inspection=inspection).latest("version_after")
    assert (last.action, last.to_status, last.version_after, last.actor_label) == (
        "withdrawn",
        "withdrawn",
        2,
        "system",
    )
