"""What the workflow's admin pages share: forms that carry the version shown, buttons that call
one service each, read-only history, and service refusals turned into messages (docs/adr/0019).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse

from config.admin import OrganizationScopedAdmin, OrganizationScoping
from config.api.conditional import StaleVersion
from config.api.problems import ApplicationError

# What a service may refuse with; each becomes a message on the page instead of an error page.
REFUSALS = (StaleVersion, ApplicationError, PermissionDenied)


def problems_of(refused: ApplicationError) -> list[str]:
    """Every problem a refusal names (a cycle's detail spells its path), or its detail."""
    return [error["detail"] for error in refused.extensions.get("errors", [])] or [str(refused)]


class ReadOnlyInline(OrganizationScoping, admin.TabularInline):
    """Rows shown for context or history: never added, changed or deleted here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class VersionedChangeForm(forms.ModelForm):
    """Carries the version the page showed, so a save over a newer one is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version


class ButtonForm(forms.Form):
    """What every button posts: the version of the page it was on."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ServiceAdmin(OrganizationScopedAdmin, admin.ModelAdmin):
    """A model admin whose writes are service calls: from forms, and from `buttons`.

    A button named "publish" posts to `<pk>/publish/` (URL name `<app>_<model>_publish`) and runs
    `press_publish(request, obj, cleaned_data)`, which calls one service and returns the message.
    """

    add_form = forms.ModelForm  # a new row has no version to carry
    buttons: tuple[str, ...] = ()
    button_form = ButtonForm

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # history and running work point at these rows

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change, **kwargs)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The admin's transaction wraps the save: a refused one is rolled back whole.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleVersion as stale:
            self.refuse_stale_form(request, stale)
        except ApplicationError as refused:
            self.report(request, refused)
        return redirect(request.get_full_path())

    def refuse_stale_form(self, request, stale: StaleVersion) -> None:
        messages.error(
            request,
            f"Someone changed this {self.opts.verbose_name} after you opened it (it is now "
            f"at version {stale.current_version}); nothing was saved. Here are the current "
            f"values: make your change again.",
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "may_press": self.may_press(request, None)}
        return super().change_view(request, object_id, form_url, extra_context)

    def report(self, request, refused: Exception) -> None:
        """Show why a service refused, as error messages."""
        if isinstance(refused, StaleVersion):
            noun = self.opts.verbose_name
            messages.error(request, f"Someone changed this {noun} meanwhile; nothing was done.")
        elif isinstance(refused, ApplicationError):
            for problem in problems_of(refused):
                messages.error(request, problem)
        else:
            messages.error(request, str(refused) or "You may not do that here.")

    def change_url(self, obj) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])

    def get_urls(self):
        press = self.admin_site.admin_view(self.press)
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        buttons = [
            path(f"<int:pk>/{name}/", press, {"button": name}, name=f"{prefix}_{name}")
            for name in self.buttons
        ]
        return [*buttons, *super().get_urls()]

    def may_press(self, request, obj) -> bool:
        """Buttons change the row: they need the model's change permission."""
        return super().has_change_permission(request)

    def press(self, request, pk: int, button: str):
        """Run one button's service with the version the page showed; report the outcome."""
        obj = self.get_object(request, pk)  # another organization's row is a 404
        form = self.button_form(request.POST)
        if request.method != "POST" or not form.is_valid():
            messages.error(request, "That button could not be read; try again.")
        elif not self.may_press(request, obj):
            raise PermissionDenied
        else:
            try:
                done = getattr(self, f"press_{button}")(request, obj, form.cleaned_data)
            except REFUSALS as refused:
                self.report(request, refused)
            else:
                messages.success(request, done)
        return redirect(self.change_url(obj))
