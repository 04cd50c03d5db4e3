from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from config.roles import Role


@dataclass(frozen=True)
class Principal:
    """Who is calling and in which organization: a user's membership or an API key."""

    organization_id: int
    organization_slug: str
    role: str
    user_id: int | None = None
    api_key_id: int | None = None
    label: str = ""

    # Duck-typed like a Django user so DRF's IsAuthenticated and the browsable API accept it.
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False

    def __str__(self) -> str:
        return self.label

    @property
    def kind(self) -> str:
        return "api_key" if self.api_key_id is not None else "user"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def require(self, roles, doing: str) -> None:
        """Raise PermissionDenied unless this caller's role is one of `roles` (an app's policy)."""
        if self.role not in roles:
            raise PermissionDenied(f"Your role ({self.role}) may not {doing}.")
