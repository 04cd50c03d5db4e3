import django_filters
from django.db.models import Q
from django.utils import timezone

from config.api.filters import IdFilter, StrictBooleanFilter
from workflow.models import Task, TaskKind
from workflow.models.tasks import SETTLED_STATUSES


class TaskFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Task.Status.choices)
    assigned_to = IdFilter(field_name="assigned_to_id", help_text="A user id.")
    blocked = StrictBooleanFilter(
        method="filter_blocked",
        help_text="true: only tasks waiting for others (status blocked); false: all others.",
    )
    stale = StrictBooleanFilter(
        help_text="true: only tasks whose upstream work was reopened after they started."
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue",
        help_text="true: only open tasks whose planned finish has passed; false: all others.",
    )
    kind = django_filters.MultipleChoiceFilter(choices=TaskKind.choices)
    deliverable = IdFilter(field_name="deliverable_id", help_text="A deliverable id.")
    project = IdFilter(field_name="deliverable__project_id", help_text="A project id.")

    class Meta:
        model = Task
        fields = []

    def filter_overdue(self, queryset, name, value):
        overdue = Q(planned_finish__lt=timezone.now()) & ~Q(status__in=SETTLED_STATUSES)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_blocked(self, queryset, name, value):
        blocked = {"status": Task.Status.BLOCKED}
        return queryset.filter(**blocked) if value else queryset.exclude(**blocked)
