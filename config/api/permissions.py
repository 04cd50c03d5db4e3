from rest_framework.permissions import SAFE_METHODS, BasePermission

from config.principal import Principal


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


class RoleMayWrite(BasePermission):
    """Everyone in the organization reads; writes need one of the view's `write_roles`.

    The view names the roles from its app's policy and says why others are refused
    (`write_refusal`), so the rule is declared once, in the app.
    """

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS or request.auth.role in view.write_roles:
            return True
        self.message = view.write_refusal
        return False
