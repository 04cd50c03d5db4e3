"""Checklists in the admin: a draft's items are edited inline, then published for good."""

from django import forms
from django.contrib import admin

from config.admin import admin_principal
from qc.checklist_exceptions import ChecklistVersionPublished
from qc.models import ChecklistItem, ChecklistTemplate, ChecklistVersion
from qc.services import checklists as checklist_service
from workflow.admin.pages import VersionedChangeForm
from workflow.admin.templates import (
    VERSION_FIELDS,
    DraftRowsInline,
    DraftVersionAdmin,
    VersionedTemplateAdmin,
    VersionsInline,
    is_draft,
    kept_forms,
)


class ChecklistVersionInline(VersionsInline):
    model = ChecklistVersion


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(VersionedTemplateAdmin):
    """Checklists are created through `create_checklist`; their versions are started here."""

    versions_inline = ChecklistVersionInline
    change_form_template = "admin/qc/checklisttemplate/change_form.html"

    def create(self, actor, key: str, name: str) -> ChecklistTemplate:
        return checklist_service.create_checklist(actor=actor, key=key, name=name)

    def start_draft(self, checklist, actor) -> ChecklistVersion:
        return checklist_service.start_draft(checklist_id=checklist.pk, actor=actor)


class LinesField(forms.CharField):
    """A list of short texts, written one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        return [line.strip() for line in super().to_python(value).splitlines() if line.strip()]


class ChecklistItemForm(forms.ModelForm):
    """One item, checked by the rules publishing applies, so a row's mistake shows on the row."""

    choices = LinesField(required=False, help_text="Choice items: one choice per line.")
    passing_choices = LinesField(
        required=False, help_text="The choices that pass, one per line; empty: all of them."
    )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            row = checklist_service.complete_item(cleaned)
            for problem in checklist_service.item_problems(0, row):
                self.add_error(problem["pointer"].rsplit("/", 1)[1], problem["detail"])
        return cleaned


class ChecklistItemInline(DraftRowsInline):
    model = ChecklistItem
    form = ChecklistItemForm
    template = "admin/edit_inline/stacked.html"  # twelve fields are too wide for a table row
    fields = ["position", *checklist_service.ITEM_FIELDS]


def edited_items(item_formset) -> list[dict]:
    """The draft's items as the inline was submitted, in the shape save_draft takes."""
    forms_in_order = sorted(kept_forms(item_formset), key=lambda form: form.instance.position)
    return [
        {field: getattr(form.instance, field) for field in checklist_service.ITEM_FIELDS}
        for form in forms_in_order
    ]


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(DraftVersionAdmin):
    """A draft's items are edited here; Publish and Retire go through the services."""

    form = VersionedChangeForm
    inlines = [ChecklistItemInline]
    change_form_template = "admin/qc/checklistversion/change_form.html"
    draft_content = "items (the whole draft)"

    def get_fields(self, request, obj=None):
        return [*VERSION_FIELDS, "expected_version"] if is_draft(obj) else VERSION_FIELDS

    def save_related(self, request, form, formsets, change) -> None:
        """Save the draft as edited, through save_draft: from the version shown, whole, checked."""
        [item_formset] = formsets
        checklist_service.save_draft(
            version_id=form.instance.pk,
            actor=admin_principal(request, form.instance.template.organization),
            expected_version=form.cleaned_data["expected_version"],
            items=edited_items(item_formset),
        )

    def published_refusal(self, version) -> ChecklistVersionPublished:
        return ChecklistVersionPublished(
            f"{version} is {version.status}; nothing was saved. Start a new draft from its "
            f"checklist to change it."
        )

    def press_publish(self, request, version, data) -> str:
        published = checklist_service.publish_version(
            version_id=version.pk,
            actor=admin_principal(request, version.template.organization),
            expected_version=data["expected_version"],
        )
        return f"{published} is published; template tasks can name it."

    def press_retire(self, request, version, data) -> str:
        retired = checklist_service.retire_version(
            version_id=version.pk,
            actor=admin_principal(request, version.template.organization),
            expected_version=data["expected_version"],
        )
        return f"{retired} is retired; what already names it carries on."
