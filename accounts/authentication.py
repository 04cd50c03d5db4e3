"""DRF authentication: API keys (Bearer) and OTP-verified sessions, both yielding a Principal."""

from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied, Throttled

from accounts.api_keys import InvalidApiKey, TooManyInvalidKeys, authenticate_api_key
from accounts.selectors import membership_for
from config.principal import Principal
from config.request_context import bind_organization, client_address

ORGANIZATION_HEADER = "X-Organization"


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticate `Authorization: Bearer <key>`; the key's organization and role apply."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        # Anything after "Bearer" is the key; a malformed one counts as a failure like any other.
        presented = b" ".join(parts[1:]).decode("latin-1")
        try:
            principal = authenticate_api_key(presented, client_address=client_address(request))
        except InvalidApiKey as exc:
            raise AuthenticationFailed(str(exc)) from None
        except TooManyInvalidKeys:
            # Wrong keys cost an argon2id run each; stop a client that keeps sending them.
            raise Throttled(
                wait=60, detail="Too many invalid API keys from this address."
            ) from None
        bind_organization(principal.organization_slug)
        return principal, principal

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class OrganizationSessionAuthentication(SessionAuthentication):
    """Accept a session only when its user passed OTP; act in one of the user's organizations.

    The organization is the one named by the X-Organization header (a slug), else the
    user's oldest membership; a removed membership counts for nothing.
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if not user.is_verified():
            return None
        requested = request.headers.get(ORGANIZATION_HEADER)
        membership = membership_for(user, organization_slug=requested)
        if membership is None:
            if requested:
                raise PermissionDenied(f"You are not a member of organization {requested!r}.")
            return user, None
        principal = Principal(
            organization_id=membership.organization_id,
            organization_slug=membership.organization.slug,
            role=membership.role,
            user_id=user.pk,
            label=user.email,
        )
        bind_organization(principal.organization_slug)
        return user, principal
