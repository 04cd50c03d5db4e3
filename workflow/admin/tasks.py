"""Tasks in the admin: read-only, moved only by the catalog's actions, from the version shown."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path

from accounts.selectors import list_members_for
from config.admin import admin_principal
from config.api.text import validate_text
from workflow import actions, policy
from workflow.admin.pages import REFUSALS, ReadOnlyInline, ServiceAdmin
from workflow.api.tasks.serializers import REASON_MAX_LENGTH
from workflow.models import Task, TaskEvent
from workflow.services.tasks import apply_task_action


class TaskEventInline(ReadOnlyInline):
    model = TaskEvent
    organization_path = "task__organization"
    fields = [
        "created_at",
        "actor_label",
        "action",
        "from_status",
        "to_status",
        "payload",
        "version_after",
    ]
    ordering = ["-version_after"]


WINDOW_FIELDS = ("window_start", "window_end")


class TaskActionForm(forms.Form):
    """One action's button: the version shown and the action's payload, as the API takes it."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    assign_to = forms.TypedChoiceField(coerce=int, label="Assign to")
    # The limits and characters the API takes for the same actions (docs/adr/0018).
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        validators=[validate_text],
        widget=forms.TextInput(attrs={"placeholder": "reason"}),
    )
    # The optional allocation window of `assign` (either end may stay open).
    window_start = forms.DateTimeField(required=False, label="from")
    window_end = forms.DateTimeField(required=False, label="until")

    def __init__(self, *args, task: Task, action: str, **kwargs) -> None:
        super().__init__(*args, auto_id=f"id_{action}_%s", **kwargs)
        self.payload_fields = actions.ACTIONS[action].payload_fields
        wanted = {*self.payload_fields, *(WINDOW_FIELDS if "window" in self.payload_fields else ())}
        for name in [name for name in self.fields if name != "expected_version"]:
            if name not in wanted:
                del self.fields[name]
        if "assign_to" in self.fields:
            self.fields["assign_to"].choices = [("", "a member…"), *assignees(task)]
        self.fields["expected_version"].initial = task.version

    @classmethod
    def takes(cls, action: str) -> bool:
        """Whether the form has a field for each payload field of the action."""
        return action in actions.ACTIONS and all(
            name in cls.base_fields or name == "window"  # the window is its two ends
            for name in actions.ACTIONS[action].payload_fields
        )

    def payload(self) -> dict:
        payload = {
            name: self.cleaned_data[name] for name in self.payload_fields if name != "window"
        }
        start, end = (self.cleaned_data.get(name) for name in WINDOW_FIELDS)
        if start or end:  # as the API stores a window, so the history reads the same
            payload["window"] = {
                "start": start.isoformat() if start else None,
                "end": end.isoformat() if end else None,
            }
        return payload


def assignees(task: Task) -> list[tuple[int, str]]:
    """The members a task can be assigned to, as choices."""
    members = list_members_for(task.organization_id).filter(role__in=policy.ASSIGNABLE)
    return [
        (member.user_id, f"{member.user.email} ({member.get_role_display()})")
        for member in members.order_by("user__email")
    ]


@admin.register(Task)
class TaskAdmin(ServiceAdmin):
    """Tasks change only through actions; the page shows the ones the staff member may take."""

    organization_path = "organization"
    list_display = ["node_key", "title", "deliverable", "status", "assigned_to", "stale", "version"]
    list_filter = ["status", "stale", "organization"]
    search_fields = ["node_key", "title", "deliverable__name"]
    list_select_related = ["deliverable", "assigned_to"]
    inlines = [TaskEventInline]
    change_form_template = "admin/workflow/task/change_form.html"
    readonly_fields = [
        "node_key",
        "title",
        "deliverable",
        "status",
        "version",
        "assigned_to",
        "assigned_at",
        "stale",
        "attempt",
        "requires_qc",
        "kind",
        "priority",
        "planned_start",
        "planned_finish",
        "actual_start",
        "actual_finish",
        "description",
    ]
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False  # tasks are created by starting a deliverable

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        task = self.get_object(request, object_id)
        principal = admin_principal(request, task.organization)
        extra_context = {
            **(extra_context or {}),
            "task_actions": [
                (name, actions.ACTIONS[name], TaskActionForm(task=task, action=name))
                for name in actions.ACTIONS.allowed(task, principal)
                if TaskActionForm.takes(name)
            ],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        act = self.admin_site.admin_view(self.act_view)
        return [
            path("<int:pk>/act/<str:action>/", act, name="workflow_task_act"),
            *super().get_urls(),
        ]

    def act_view(self, request, pk: int, action: str):
        """Apply one action from the change page's buttons through apply_task_action."""
        task = self.get_object(request, pk)  # another organization's task is a 404
        if not self.has_view_permission(request, task):
            raise PermissionDenied
        form = TaskActionForm.takes(action) and TaskActionForm(
            request.POST, task=task, action=action
        )
        if request.method != "POST" or not form or not form.is_valid():
            messages.error(request, "That action could not be read; try again.")
            return redirect(self.change_url(task))
        try:
            apply_task_action(
                task_id=task.pk,
                actor=admin_principal(request, task.organization),
                action=action,
                payload=form.payload(),
                expected_version=form.cleaned_data["expected_version"],
            )
        except REFUSALS as refused:
            self.report(request, refused)
        else:
            messages.success(request, f"{task.node_key}: {action} done.")
        return redirect(self.change_url(task))
