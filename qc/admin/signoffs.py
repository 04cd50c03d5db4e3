"""Sign-offs in the admin: signatures are read here and given through `sign_deliverable`.

The deliverable page links to the add form with its deliverable filled in
(`/admin/qc/signoff/add/?deliverable=<id>`); a refusal names what is missing.
"""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse

from config.admin import admin_principal
from qc.exceptions import SignoffIncomplete
from qc.models import SignOff
from qc.services import signoffs as signoff_service
from workflow.admin.pages import ServiceAdmin
from workflow.models import Deliverable

SHOWN_FIELDS = [
    "deliverable",
    "role",
    "signer_label",
    "comment",
    "signed_at",
    "revoked_at",
    "revoked_reason",
]


class SignOffForm(forms.ModelForm):
    class Meta:
        model = SignOff
        fields = ["deliverable", "role", "comment"]


def describe(entry: dict) -> str:
    """One entry of `missing` as a sentence."""
    if entry["kind"] == "task":
        return f"Task {entry['node_key']} is {entry['status']}."
    if entry["inspection_id"] is None:
        return f"Task {entry['node_key']} has no inspection yet."
    attempt = f"{entry['node_key']}, attempt {entry['attempt']}"
    return f"The inspection of {attempt} is {entry['status']}."


@admin.register(SignOff)
class SignOffAdmin(ServiceAdmin):
    """A signature is never edited or deleted: reopened work revokes it."""

    organization_path = "organization"
    add_form = SignOffForm
    autocomplete_fields = ["deliverable"]  # an organization has many; search them by name
    list_display = ["deliverable", "role", "signer_label", "signed_at", "revoked_at"]
    list_filter = ["role", ("revoked_at", admin.EmptyFieldListFilter), "organization"]
    search_fields = ["deliverable__name", "signer_label"]
    list_select_related = ["deliverable"]

    def get_fields(self, request, obj=None):
        return SignOffForm.Meta.fields if obj is None else SHOWN_FIELDS

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        """Sign through the service, in the role the staff member holds in that organization."""
        deliverable = form.cleaned_data["deliverable"]
        obj.pk = signoff_service.sign_deliverable(
            deliverable_id=deliverable.pk,
            actor=admin_principal(request, deliverable.organization),
            role=form.cleaned_data["role"],
            comment=form.cleaned_data["comment"],
        ).pk

    def response_add(self, request, obj, post_url_continue=None):
        deliverable = Deliverable.objects.get(pk=obj.deliverable_id)  # as the signature left it
        messages.success(
            request, f"Signed as {obj.role}; the deliverable is {deliverable.get_status_display()}."
        )
        return redirect(reverse("admin:workflow_deliverable_change", args=[deliverable.pk]))

    def report(self, request, refused: Exception) -> None:
        super().report(request, refused)
        if isinstance(refused, SignoffIncomplete):
            for entry in refused.extensions["missing"]:
                messages.error(request, describe(entry))
