"""Process templates in the admin: a draft is edited node by node, then published for good."""

from django import forms
from django.contrib import admin
from django.db import models
from django.shortcuts import redirect
from django.utils.functional import cached_property

from config.admin import OrganizationScoping, admin_principal
from config.api.conditional import StaleVersion
from config.roles import Role
from workflow.admin.pages import ReadOnlyInline, ServiceAdmin, VersionedChangeForm
from workflow.exceptions import TemplateVersionPublished
from workflow.models import ProcessTemplate, TemplateDependency, TemplateTask, TemplateVersion
from workflow.selectors.templates import DRAFT_FIELDS
from workflow.services import templates as template_service
from workflow.services.templates import SCHEDULE_FIELDS

VERSION_FIELDS = ["template", "number", "status", "version", "published_at", "published_by_label"]


class VersionsInline(ReadOnlyInline):
    """The versions of a template or a checklist, newest first, each linking to its page."""

    organization_path = "template__organization"
    fields = ["number", "status", "version", "published_at", "published_by_label"]
    ordering = ["-number"]
    show_change_link = True


class VersionedTemplateAdmin(ServiceAdmin):
    """A process template or a checklist: created with an empty draft through its service, never
    renamed; its versions are listed, and new drafts started, on its page.

    Subclasses name `versions_inline` and call their services in `create` and `start_draft`.
    """

    organization_path = "organization"
    list_display = ["key", "name", "organization", "created_at"]
    list_filter = ["organization"]
    search_fields = ["key", "name"]
    fields = ["organization", "key", "name"]
    buttons = ("start_draft",)
    button_form = forms.Form  # no version to carry: start_draft refuses a second draft
    versions_inline: type[VersionsInline]

    def get_inlines(self, request, obj):
        return [self.versions_inline] if obj else []

    def has_change_permission(self, request, obj=None) -> bool:
        # The key and name never change (nor through the API); the versions do.
        return obj is None and super().has_change_permission(request)

    def save_model(self, request, obj, form, change) -> None:
        """Create the row with its empty draft through the service."""
        actor = admin_principal(request, form.cleaned_data["organization"])
        obj.pk = self.create(actor, form.cleaned_data["key"], form.cleaned_data["name"]).pk

    def press_start_draft(self, request, obj, data) -> str:
        draft = self.start_draft(obj, admin_principal(request, obj.organization))
        return f"{draft} started as a draft, a copy of the latest version."

    def create(self, actor, key: str, name: str):
        raise NotImplementedError

    def start_draft(self, obj, actor):
        raise NotImplementedError


class TemplateVersionInline(VersionsInline):
    model = TemplateVersion


@admin.register(ProcessTemplate)
class ProcessTemplateAdmin(VersionedTemplateAdmin):
    """Templates are created through `create_template`; their versions are started here."""

    versions_inline = TemplateVersionInline
    change_form_template = "admin/workflow/processtemplate/change_form.html"

    def create(self, actor, key: str, name: str) -> ProcessTemplate:
        return template_service.create_template(actor=actor, key=key, name=name)

    def start_draft(self, template, actor) -> TemplateVersion:
        return template_service.start_draft(template_id=template.pk, actor=actor)


class TemplateVersionForm(VersionedChangeForm):
    # The roles whose signatures sign a deliverable off, chosen rather than typed as JSON.
    signoff_roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


def is_draft(version) -> bool:
    """Whether a version (of a template or a checklist) is still a draft."""
    return version is not None and version.status == "draft"


class DraftRowsInline(OrganizationScoping, admin.TabularInline):
    """A version's rows change while it is a draft; the database refuses it after."""

    organization_path = "version__template__organization"
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_draft(obj) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if is_draft(obj) else self.get_fields(request, obj)


class TemplateTaskForm(forms.ModelForm):
    """A node names a checklist by key and version number, both or neither."""

    def clean(self):
        cleaned = super().clean()
        key, number = cleaned.get("checklist_key"), cleaned.get("checklist_number")
        if bool(key) != (number is not None):
            field = "checklist_number" if key else "checklist_key"
            self.add_error(field, "Name the checklist by its key and version number, or neither.")
        return cleaned


class TemplateTaskInline(DraftRowsInline):
    model = TemplateTask
    form = TemplateTaskForm
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}

    def get_fields(self, request, obj=None):
        if is_draft(obj):
            return ["position", *DRAFT_FIELDS]
        return ["position", *DRAFT_FIELDS, *SCHEDULE_FIELDS]


class EdgeFormSet(forms.BaseInlineFormSet):
    """The edges of one draft: every row offers that draft's nodes, read once for all rows."""

    @cached_property
    def node_choices(self) -> list[tuple]:
        nodes = TemplateTask.objects.filter(version=self.instance).values_list("pk", "node_key")
        return [("", "---------"), *nodes]

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        return {**kwargs, "version": self.instance, "node_choices": self.node_choices}


class EdgeForm(forms.ModelForm):
    """An edge joins two nodes of its own version."""

    def __init__(self, *args, version: TemplateVersion, node_choices: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for end in ("task", "depends_on"):
            if end in self.fields:
                self.fields[end].queryset = TemplateTask.objects.filter(version=version)
                self.fields[end].choices = node_choices  # the same nodes, not one query per row

    def clean(self):
        cleaned = super().clean()
        task, depends_on = cleaned.get("task"), cleaned.get("depends_on")
        if task is not None and task == depends_on:
            self.add_error("depends_on", f"{task} cannot depend on itself.")
        return cleaned


class TemplateDependencyInline(DraftRowsInline):
    model = TemplateDependency
    form = EdgeForm
    formset = EdgeFormSet
    fields = ["task", "depends_on"]
    verbose_name = "dependency (the task waits for what it depends on)"
    verbose_name_plural = "dependencies"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("task", "depends_on")


def kept_forms(formset) -> list:
    """The forms of an inline that stand for rows after the save (not deleted, not left empty)."""
    deleted = formset.deleted_forms if formset.can_delete else []
    return [
        form
        for form in formset.forms
        if form not in deleted and (form.instance.pk or form.has_changed())
    ]


def edited_graph(node_formset, edge_formset) -> tuple[list[dict], list[dict]]:
    """The draft's nodes and edges as the inlines were submitted, in the shape save_draft takes."""
    node_forms = sorted(kept_forms(node_formset), key=lambda form: form.instance.position)
    nodes = [{f: getattr(form.instance, f) for f in DRAFT_FIELDS} for form in node_forms]
    # Edges name nodes by row; a node renamed in the same save is named by its new key.
    key_of = {form.instance.pk: form.instance.node_key for form in node_forms if form.instance.pk}
    edges = [
        {"task": key_of[form.instance.task_id], "depends_on": key_of[form.instance.depends_on_id]}
        for form in kept_forms(edge_formset)
        if {form.instance.task_id, form.instance.depends_on_id} <= key_of.keys()
    ]
    return nodes, edges


class DraftVersionAdmin(ServiceAdmin):
    """A version (of a template or a checklist) edited whole while it is a draft, read-only after.

    `save_related` hands the edited draft to the app's service; `published_refusal` says why a
    published version's page saved nothing.
    """

    organization_path = "template__organization"
    list_display = ["template", "number", "status", "version", "published_at"]
    list_filter = ["status"]
    search_fields = ["template__key", "template__name"]
    list_select_related = ["template"]
    buttons = ("publish", "retire")
    # What the change message names: the inlines were not saved row by row.
    draft_content = "the whole draft"

    def get_readonly_fields(self, request, obj=None):
        return VERSION_FIELDS

    def has_add_permission(self, request) -> bool:
        return False  # a version starts from its template's page (start_draft)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and not is_draft(obj):
            return False  # published is for good: the page is read-only
        return super().has_change_permission(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            version = self.get_object(request, object_id)
            if not is_draft(version):  # published while the page was open: say so, not 403
                self.report(request, self.published_refusal(version))
                return redirect(self.change_url(version))
            # A stale page's rows name rows a later save replaced: refuse before reading them.
            if request.POST.get("expected_version") != str(version.version):
                self.refuse_stale_form(request, StaleVersion(version.version))
                return redirect(self.change_url(version))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        """Nothing here: save_related hands the whole edited draft to the service."""

    def construct_change_message(self, request, form, formsets, add=False):
        return [{"changed": {"fields": [self.draft_content]}}]

    def published_refusal(self, version) -> Exception:
        raise NotImplementedError


@admin.register(TemplateVersion)
class TemplateVersionAdmin(DraftVersionAdmin):
    """A draft's nodes and edges are edited here; Publish and Retire go through the services."""

    form = TemplateVersionForm
    inlines = [TemplateTaskInline, TemplateDependencyInline]
    change_form_template = "admin/workflow/templateversion/change_form.html"
    draft_content = "nodes and dependencies (the whole draft)"

    def get_fields(self, request, obj=None):
        if is_draft(obj):
            return [*VERSION_FIELDS, "expected_version", "signoff_roles"]
        return [*VERSION_FIELDS, "signoff_roles"]

    def save_related(self, request, form, formsets, change) -> None:
        """Save the draft as edited, through save_draft: from the version shown, whole, checked."""
        nodes, edges = edited_graph(*formsets)
        template_service.save_draft(
            version_id=form.instance.pk,
            actor=admin_principal(request, form.instance.template.organization),
            expected_version=form.cleaned_data["expected_version"],
            nodes=nodes,
            edges=edges,
            signoff_roles=form.cleaned_data["signoff_roles"],
        )

    def published_refusal(self, version) -> TemplateVersionPublished:
        return TemplateVersionPublished(
            f"{version} is {version.status}; nothing was saved. Start a new draft from its "
            f"template to change it."
        )

    def press_publish(self, request, version, data) -> str:
        published = template_service.publish_version(
            version_id=version.pk,
            actor=admin_principal(request, version.template.organization),
            expected_version=data["expected_version"],
        )
        return f"{published} is published; projects can run from it."

    def press_retire(self, request, version, data) -> str:
        retired = template_service.retire_version(
            version_id=version.pk,
            actor=admin_principal(request, version.template.organization),
            expected_version=data["expected_version"],
        )
        return f"{retired} is retired; what already runs from it carries on."
