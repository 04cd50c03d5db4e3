from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import Role


class CanWorkTickets(BasePermission):
    """Everyone in the organization reads tickets; viewers cannot change them."""

    message = "Viewers can read tickets but not change them."

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or request.auth.role != Role.VIEWER
