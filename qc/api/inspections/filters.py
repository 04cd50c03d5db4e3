import django_filters

from config.api.filters import IdFilter, IsoDateTimeFilter, StrictBooleanFilter
from qc.models import Inspection


class InspectionFilter(django_filters.FilterSet):
    deliverable = IdFilter(field_name="deliverable_id", help_text="A deliverable id.")
    task = IdFilter(field_name="task_id", help_text="A task id.")
    status = django_filters.MultipleChoiceFilter(choices=Inspection.Status.choices)
    open = StrictBooleanFilter(
        method="filter_open",
        help_text="true: only open inspections; false: only closed ones (decided or withdrawn).",
    )
    verdict = django_filters.ChoiceFilter(
        field_name="automatic_verdict",
        choices=Inspection.Verdict.choices,
        help_text="The automatic verdict the readings give.",
    )
    inspector = IdFilter(field_name="inspector_user_id", help_text="The deciding user's id.")
    opened_after = IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = Inspection
        fields = []

    def filter_open(self, queryset, name, value):
        is_open = {"status": Inspection.Status.OPEN}
        return queryset.filter(**is_open) if value else queryset.exclude(**is_open)
