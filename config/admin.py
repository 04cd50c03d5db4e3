"""Staff who are not superusers see and change only their organizations' rows in the admin.

Every ModelAdmin mixes in `OrganizationScopedAdmin` and names the path from its model to the
organization (`organization_path = "endpoint__organization"`), or `None` for rows that belong
to no organization (superusers only). The changelist, the change, delete and history pages,
the bulk actions, the foreign-key choices and the list filters all read through that path, so
another organization's row is a `404` and its id is not a valid choice (docs/adr/0019).
"""

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from config.principal import Principal
from config.roles import Role


def organization_ids_of(user) -> QuerySet:
    """Return the ids of the user's organizations (removed memberships aside), as a subquery."""
    return user.memberships.filter(removed_at__isnull=True).values("organization_id")


def admin_principal(request, organization) -> Principal:
    """Staff act in an object's organization with their role there (superusers as admins)."""
    membership = request.user.memberships.filter(
        organization=organization, removed_at__isnull=True
    ).first()
    if membership is None and not request.user.is_superuser:
        raise PermissionDenied("You are not a member of this object's organization.")
    return Principal(
        organization.pk,
        organization.slug,
        membership.role if membership else Role.ADMIN,
        user_id=request.user.pk,
        label=f"{request.user.email} (admin)",
    )


class OrganizationScoping:
    """Row and choice scoping, shared by model admins and inlines."""

    # Lookup from the model to its Organization ("organization", "ticket__organization",
    # "pk" for Organization itself); None: rows of no organization, for superusers only.
    organization_path: str | None

    def scope_queryset(self, queryset: QuerySet, request) -> QuerySet:
        """Narrow a queryset of this admin's model to what a staff member may work on."""
        if self.organization_path is None:
            return queryset.none()
        lookup = f"{self.organization_path}__in"
        return queryset.filter(**{lookup: organization_ids_of(request.user)})

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return self.scope_queryset(queryset, request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser and "queryset" not in kwargs:
            kwargs["queryset"] = self.scoped_choices(db_field, request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not request.user.is_superuser and "queryset" not in kwargs:
            kwargs["queryset"] = self.scoped_choices(db_field, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def scoped_choices(self, db_field, request) -> QuerySet:
        """Offer the related rows the related model's admin would show; none if it cannot say."""
        model = db_field.remote_field.model
        queryset = model._default_manager.all()
        if self.admin_site.is_registered(model):
            related_admin = self.admin_site.get_model_admin(model)
            if isinstance(related_admin, OrganizationScoping):
                return related_admin.scope_queryset(queryset, request)
        if any(field.name == "organization" for field in model._meta.fields):
            return queryset.filter(organization__in=organization_ids_of(request.user))
        return queryset.none()


class OrganizationScopedAdmin(OrganizationScoping):
    """Mix into every ModelAdmin (before it), with `organization_path` declared."""

    def get_object(self, request, object_id, from_field=None):
        # Django redirects to the index for a missing row; another organization's row is a
        # 404 as in the API, indistinguishable from one that does not exist.
        found = super().get_object(request, object_id, from_field)
        if found is None:
            raise Http404(f"No {self.opts.verbose_name} with that id.")
        return found

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        return [self._related_only(spec) for spec in filters]

    def _related_only(self, spec):
        # A plain related filter lists every row of the related table, other tenants' too.
        if isinstance(spec, str) and get_fields_from_path(self.model, spec)[-1].is_relation:
            return (spec, admin.RelatedOnlyFieldListFilter)
        return spec

    def superusers_only(self, request) -> bool:
        """Say whether the rows belong to no organization and the user is not a superuser."""
        return self.organization_path is None and not request.user.is_superuser

    def has_module_permission(self, request) -> bool:
        return not self.superusers_only(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return not self.superusers_only(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return not self.superusers_only(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return not self.superusers_only(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self.superusers_only(request) and super().has_delete_permission(request, obj)
