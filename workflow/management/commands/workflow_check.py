from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from workflow.checks import Finding, Problem, find_inconsistencies
from workflow.models import Deliverable
from workflow.services import repairs

DRIFT_WARNING = (
    "History drift means tasks were changed around the workflow services (the SQLite runtime, "
    "or a dropped trigger): find out what wrote them."
)


class Command(BaseCommand):
    help = (
        "Check that stored task states agree with their dependencies and their event history; "
        "exit 1 if something is found and not repaired."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair", action="store_true", help="Repair each finding through a service."
        )
        parser.add_argument("--deliverable", type=int, help="Check only this deliverable (id).")

    def handle(self, *args, repair: bool, deliverable: int | None, **options):
        deliverable_ids = self._deliverable_ids(deliverable)
        tally = Counter()
        for deliverable_id in deliverable_ids:
            for finding in find_inconsistencies(deliverable_id):
                outcome, note = self._repair(finding) if repair else ("unrepaired", "")
                tally.update(["found", outcome, finding.problem])
                self._report(finding, note)
        self.stdout.write(
            f"checked {len(deliverable_ids)} deliverable(s): {tally['found']} finding(s), "
            f"{tally['repaired']} repaired, {tally['failed']} failed, "
            f"{tally[Problem.HISTORY_DRIFT]} history drift"
        )
        if tally[Problem.HISTORY_DRIFT]:
            self.stdout.write(self.style.ERROR(DRIFT_WARNING))
        if tally["unrepaired"] or tally["failed"]:
            unrepaired = tally["unrepaired"] + tally["failed"]
            advice = "some repairs failed" if repair else "run with --repair to repair them"
            raise CommandError(f"{unrepaired} finding(s) not repaired; {advice}.", returncode=1)

    def _deliverable_ids(self, only: int | None) -> list[int]:
        deliverables = Deliverable.objects.order_by("id")
        if only is not None:
            deliverables = deliverables.filter(pk=only)
        ids = list(deliverables.values_list("id", flat=True))
        if only is not None and not ids:
            raise CommandError(f"No deliverable {only}.", returncode=2)
        return ids

    def _repair(self, finding: Finding) -> tuple[str, str]:
        """Repair one finding; a failure (a deadlock, say) is reported and the check goes on."""
        try:
            task = repairs.repair(finding)
        except DatabaseError as exc:
            return "failed", f" -> repair failed: {exc}".rstrip()
        if task is None:
            return "resolved", " -> consistent on a fresh look, nothing to do"
        return "repaired", f" -> repaired: now {task.status} v{task.version}"

    def _report(self, finding: Finding, outcome: str) -> None:
        line = (
            f"deliverable {finding.deliverable_id} task {finding.task_id} ({finding.node_key}): "
            f"{finding.problem}: {finding.detail}{outcome}"
        )
        loud = finding.problem == Problem.HISTORY_DRIFT
        self.stdout.write(self.style.ERROR(line) if loud else self.style.WARNING(line))
