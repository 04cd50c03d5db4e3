from rest_framework.permissions import BasePermission

from accounts.principal import Principal


class IsOrganizationMember(BasePermission):
    """Allow callers acting in an organization (an API key, or a member's session)."""

    message = "You are not a member of an organization this API can act in."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Principal)


class IsOrganizationAdmin(IsOrganizationMember):
    """Allow only the organization's admins (users or keys with the admin role)."""

    message = "Only organization admins may do this."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.auth.is_admin
