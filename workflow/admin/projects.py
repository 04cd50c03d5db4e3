"""Projects in the admin: created, renamed and upgraded through the project services."""

from django import forms
from django.contrib import admin
from django.urls import reverse

from config.admin import admin_principal
from workflow.admin.pages import ButtonForm, ReadOnlyInline, ServiceAdmin, VersionedChangeForm
from workflow.models import Deliverable, Project, ProjectEvent, TemplateVersion
from workflow.selectors import projects as project_selectors
from workflow.services import projects as project_service

HISTORY_FIELDS = ["created_at", "actor_label", "action", "payload", "version_after"]


class ProjectAddForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        version, organization = cleaned.get("template_version"), cleaned.get("organization")
        if version and organization and version.template.organization_id != organization.pk:
            self.add_error("template_version", "Choose a template of the project's organization.")
        return cleaned


class UpgradeForm(ButtonForm):
    template_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DeliverableInline(ReadOnlyInline):
    model = Deliverable
    organization_path = "organization"
    fields = ["name", "external_reference", "status", "template_version", "started_at"]
    ordering = ["-id"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("template_version__template")


class ProjectEventInline(ReadOnlyInline):
    model = ProjectEvent
    organization_path = "project__organization"
    fields = HISTORY_FIELDS
    ordering = ["-version_after"]


@admin.register(Project)
class ProjectAdmin(ServiceAdmin):
    """Projects are created, renamed and upgraded through the project services."""

    organization_path = "organization"
    add_form = ProjectAddForm
    form = VersionedChangeForm
    list_display = ["name", "template_version", "organization", "version", "created_at"]
    list_filter = ["organization"]
    search_fields = ["name"]
    list_select_related = ["template_version__template"]
    buttons = ("upgrade",)
    button_form = UpgradeForm
    change_form_template = "admin/workflow/project/change_form.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organization", "name", "template_version"]
        return ["name", "expected_version", "organization", "template_version", "version"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["organization", "template_version", "version"]

    def get_inlines(self, request, obj):
        return [DeliverableInline, ProjectEventInline] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "template_version":
            published = field.queryset.filter(status=TemplateVersion.Status.PUBLISHED)
            field.queryset = published.select_related("template")
        return field

    def save_model(self, request, obj, form, change) -> None:
        """Create through create_project; rename through update_project from the version shown."""
        if not change:
            obj.pk = project_service.create_project(
                actor=admin_principal(request, form.cleaned_data["organization"]),
                name=form.cleaned_data["name"],
                template_version_id=form.cleaned_data["template_version"].pk,
            ).pk
            return
        editable = [f for f in form.changed_data if f in project_service.EDITABLE_FIELDS]
        project_service.update_project(
            project_id=obj.pk,
            actor=admin_principal(request, obj.organization),
            expected_version=form.cleaned_data["expected_version"],
            changes={field: form.cleaned_data[field] for field in editable},
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        project = self.get_object(request, object_id)
        upgrade_to = project_selectors.newest_upgrade_for(project)
        start = reverse("admin:workflow_deliverable_add")
        extra_context = {
            **(extra_context or {}),
            "upgrade_to": upgrade_to,
            "upgrade_label": upgrade_to and f"Upgrade to version {upgrade_to.number}",
            "start_deliverable_url": f"{start}?project={project.pk}",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def press_upgrade(self, request, project, data) -> str:
        upgraded = project_service.upgrade_project(
            project_id=project.pk,
            actor=admin_principal(request, project.organization),
            expected_version=data["expected_version"],
            template_version_id=data["template_version"],
        )
        return f"{upgraded} now runs {upgraded.template_version}; started deliverables keep theirs."
