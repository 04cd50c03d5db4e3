"""Tickets in the admin: read, edit through the services, and act with the same transitions."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse

from config.admin import OrganizationScopedAdmin, admin_principal
from config.api.conditional import StaleVersion
from config.api.problems import ApplicationError
from config.api.text import validate_text
from helpdesk import actions
from helpdesk.api.serializers import REASON_MAX_LENGTH, RESOLUTION_MAX_LENGTH
from helpdesk.models import BusinessCalendar, Comment, SlaPolicy, Ticket, TicketEvent
from helpdesk.services import tickets


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ["created_at", "author_label", "is_public", "body"]
    readonly_fields = fields


class TicketEventInline(ReadOnlyInline):
    model = TicketEvent
    fields = [
        "created_at",
        "actor_label",
        "action",
        "from_status",
        "to_status",
        "changed_fields",
        "version_after",
    ]
    readonly_fields = fields
    ordering = ["-version_after"]


class TicketChangeForm(forms.ModelForm):
    """Carries the version the page showed, so a save over a newer one is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version


class ActionForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    assignee = forms.IntegerField(required=False)
    # The limits and characters the API takes for the same actions (docs/adr/0018).
    reason = forms.CharField(
        required=False, max_length=REASON_MAX_LENGTH, validators=[validate_text]
    )
    resolution = forms.CharField(
        required=False, max_length=RESOLUTION_MAX_LENGTH, validators=[validate_text]
    )


@admin.register(Ticket)
class TicketAdmin(OrganizationScopedAdmin, admin.ModelAdmin):
    organization_path = "organization"
    form = TicketChangeForm
    list_display = ["key", "subject", "status", "priority", "assignee", "requester", "created_at"]
    list_filter = [
        "status",
        "priority",
        "organization",
        "first_response_breached",
        "resolution_breached",
    ]
    search_fields = ["key", "subject", "requester__email"]
    list_select_related = ["assignee", "requester"]
    fields = [
        "key",
        "organization",
        "subject",
        "description",
        "priority",
        "status",
        "version",
        "expected_version",
        "requester",
        "assignee",
        "created_at",
        "opened_at",
        "first_responded_at",
        "resolved_at",
        "closed_at",
        "cancelled_at",
        "first_response_due_at",
        "resolution_due_at",
        "first_response_breached",
        "resolution_breached",
    ]
    readonly_fields = [
        f for f in fields if f not in ("subject", "description", "priority", "expected_version")
    ]
    inlines = [CommentInline, TicketEventInline]
    change_form_template = "admin/helpdesk/ticket/change_form.html"

    def has_add_permission(self, request) -> bool:
        return False  # tickets are opened through the API (or the browsable API)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        """Save edits through update_ticket, from the version the form showed."""
        editable = [field for field in form.changed_data if field in tickets.EDITABLE_FIELDS]
        tickets.update_ticket(
            ticket_id=obj.pk,
            actor=admin_principal(request, obj.organization),
            expected_version=form.cleaned_data["expected_version"],
            changes={field: form.cleaned_data[field] for field in editable},
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The admin's transaction wraps the save: a stale one is rolled back whole.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleVersion as stale:
            messages.error(
                request,
                f"Someone changed this ticket after you opened it (it is now at version "
                f"{stale.current_version}); nothing was saved. Here are the current values: "
                f"make your change again.",
            )
            return redirect(request.get_full_path())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        ticket = self.get_object(request, object_id)
        principal = admin_principal(request, ticket.organization)
        extra_context = {
            **(extra_context or {}),
            "ticket_actions": actions.ACTIONS.allowed(ticket, principal),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        act = self.admin_site.admin_view(self.act_view)
        return [
            path("<int:pk>/act/<str:action>/", act, name="helpdesk_ticket_act"),
            *super().get_urls(),
        ]

    def act_view(self, request, pk: int, action: str):
        """Apply one action from the change page's buttons through the ticket service."""
        ticket = self.get_object(request, pk)
        form = ActionForm(request.POST)
        if request.method != "POST" or action not in actions.ACTIONS or not form.is_valid():
            messages.error(request, "That action could not be read; try again.")
        else:
            payload = {
                field: form.cleaned_data[field] for field in actions.ACTIONS[action].payload_fields
            }
            self._apply(request, ticket, action, payload, form.cleaned_data["expected_version"])
        return redirect(reverse("admin:helpdesk_ticket_change", args=[pk]))

    def _apply(self, request, ticket, action, payload, expected_version) -> None:
        try:
            tickets.apply_ticket_action(
                ticket_id=ticket.pk,
                actor=admin_principal(request, ticket.organization),
                action=action,
                payload=payload,
                expected_version=expected_version,
            )
        except StaleVersion:
            messages.error(request, "Someone changed this ticket meanwhile; nothing was done.")
        except (ApplicationError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{ticket.key}: {action} done.")


class SlaPolicyForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        calendar, organization = cleaned.get("calendar"), cleaned.get("organization")
        if calendar and organization and calendar.organization_id != organization.pk:
            self.add_error("calendar", "Choose a calendar of the policy's organization.")
        return cleaned


@admin.register(SlaPolicy)
class SlaPolicyAdmin(OrganizationScopedAdmin, admin.ModelAdmin):
    organization_path = "organization"
    form = SlaPolicyForm
    list_display = [
        "organization",
        "priority",
        "first_response_minutes",
        "resolution_minutes",
        "calendar",
    ]
    list_filter = ["organization"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(OrganizationScopedAdmin, admin.ModelAdmin):
    organization_path = "organization"
    list_display = ["name", "organization", "time_zone"]
