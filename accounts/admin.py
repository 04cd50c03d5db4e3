"""People, organizations, keys and OTP devices in the admin, scoped to the staff's organizations."""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin as DjangoStaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as DjangoTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import ApiKey, Membership, Organization, User
from config.admin import OrganizationScopedAdmin, OrganizationScoping, organization_ids_of
from config.roles import Role

# Granting privileges is a superuser's business; staff manage people within their organizations.
PRIVILEGE_FIELDS = ["is_staff", "is_superuser", "groups", "last_login", "date_joined"]


# Roles from the least to the most privileged: staff grant at most their own.
ROLE_RANK = {role: rank for rank, role in enumerate(reversed(Role.values))}


class MembershipFormSet(BaseInlineFormSet):
    """Staff never change their own memberships, nor grant or touch a role above their own."""

    editor = None  # the staff member saving the form, set per request by the inline

    def clean(self) -> None:
        super().clean()
        if self.editor.is_superuser:
            return
        touched = [
            form for form in self.forms if form.has_changed() or self._should_delete_form(form)
        ]
        if touched and self.instance.pk == self.editor.pk:
            raise ValidationError("Your own memberships are changed by another admin.")
        own_roles = dict(
            self.editor.memberships.filter(removed_at__isnull=True).values_list(
                "organization_id", "role"
            )
        )
        for form in touched:
            if form.instance.pk:  # what it was: nobody changes a membership ranking above them
                self._refuse_above(own_roles, form.initial["organization"], form.initial["role"])
            organization = form.cleaned_data.get("organization")
            if organization is not None and form.cleaned_data.get("role"):
                self._refuse_above(own_roles, organization.pk, form.cleaned_data["role"])

    @staticmethod
    def _refuse_above(own_roles: dict, organization_id, role: str) -> None:
        own = own_roles.get(organization_id)
        if own is None or ROLE_RANK[role] > ROLE_RANK[own]:
            raise ValidationError("You can grant or change only roles up to your own.")


class MembershipInline(OrganizationScoping, admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    organization_path = "organization"
    extra = 0
    autocomplete_fields = ["organization"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.editor = request.user
        return formset

    def get_min_num(self, request, obj=None, **kwargs) -> int:
        # A person staff add without one of their organizations would vanish from their view.
        return 1 if obj is None and not request.user.is_superuser else 0


@admin.register(User)
class UserAdmin(OrganizationScopedAdmin, DjangoUserAdmin):
    organization_path = "memberships__organization"  # many: scoped with EXISTS, no duplicates
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["full_name"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def scope_queryset(self, queryset, request):
        shared = Membership.objects.filter(
            user=OuterRef("pk"), organization__in=organization_ids_of(request.user)
        )
        return queryset.filter(Exists(shared))

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser or obj is None:
            return super().get_readonly_fields(request, obj)
        return [*super().get_readonly_fields(request, obj), *PRIVILEGE_FIELDS]

    def has_change_permission(self, request, obj=None) -> bool:
        """Staff change a person only when all of that person's organizations are theirs."""
        if obj is None or request.user.is_superuser:
            return super().has_change_permission(request, obj)
        elsewhere = obj.memberships.exclude(organization__in=organization_ids_of(request.user))
        return (
            not obj.is_superuser
            and not elsewhere.exists()
            and super().has_change_permission(request, obj)
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # users are deactivated, never deleted: their history points at them


@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedAdmin, admin.ModelAdmin):
    organization_path = "pk"
    list_display = ["slug", "name", "created_at"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)


@admin.register(ApiKey)
class ApiKeyAdmin(OrganizationScopedAdmin, admin.ModelAdmin):
    """Keys are issued through the API or `create_api_key`; the admin only lists and revokes."""

    organization_path = "organization"
    list_display = [
        "name",
        "prefix",
        "organization",
        "role",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["role", "organization"]
    search_fields = ["name", "prefix"]
    # The prefix only finds the row; the hash stays out of sight like the secret it checks.
    fields = [field.name for field in ApiKey._meta.fields if field.name != "secret_hash"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request, queryset) -> None:
        for api_key in queryset:
            services.revoke_api_key(
                organization_id=api_key.organization_id,
                api_key_id=api_key.pk,
                actor=f"{request.user.email} (admin)",
            )
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(OrganizationScopedAdmin, DjangoGroupAdmin):
    organization_path = None  # groups grant permissions everywhere


class OwnDevicesAdmin(OrganizationScopedAdmin):
    """Staff see and add only their own OTP devices: someone else's would sign in as them."""

    # Narrowed further below, to the staff member's own devices.
    organization_path = "user__memberships__organization"

    def scope_queryset(self, queryset, request):
        return queryset.filter(user=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = User.objects.filter(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(OwnDevicesAdmin, DjangoTOTPDeviceAdmin):
    pass


@admin.register(StaticDevice)
class StaticDeviceAdmin(OwnDevicesAdmin, DjangoStaticDeviceAdmin):
    pass
