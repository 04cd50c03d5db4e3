import django_filters
from django import forms

from config.api.filters import IdFilter, IsoDateTimeFilter, StrictBooleanFilter
from workflow.models import Allocation
from workflow.selectors.allocations import overlapping_window


class AllocationFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("overlaps_start"), cleaned.get("overlaps_end")
        if start and end and end <= start:
            refusal = forms.ValidationError(
                "The range must end after it starts.", code="empty_range"
            )
            self.add_error("overlaps_end", refusal)
        return cleaned


class AllocationFilter(django_filters.FilterSet):
    member = IdFilter(field_name="user_id", help_text="A member's user id.")
    deliverable = IdFilter(field_name="task__deliverable_id", help_text="A deliverable id.")
    project = IdFilter(field_name="task__deliverable__project_id", help_text="A project id.")
    open = StrictBooleanFilter(
        field_name="released_at",
        lookup_expr="isnull",
        help_text="true: only allocations not released yet; false: only released ones.",
    )
    overlaps_start = IsoDateTimeFilter(
        method="filter_overlaps_start",
        help_text="Only allocations whose window has not ended by then (an open end never has).",
    )
    overlaps_end = IsoDateTimeFilter(
        method="filter_overlaps_end",
        help_text="Only allocations whose window starts before then (an open start always "
        "does). With `overlaps_start`: the windows that meet that range.",
    )

    class Meta:
        model = Allocation
        fields = []
        form = AllocationFilterForm

    def filter_overlaps_start(self, queryset, name, value):
        return queryset.filter(overlapping_window(start=value))

    def filter_overlaps_end(self, queryset, name, value):
        return queryset.filter(overlapping_window(end=value))
