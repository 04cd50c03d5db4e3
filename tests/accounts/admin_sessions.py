"""Admin sessions for tests: people signed in past the OTP step, as staff really are."""

import secrets

from django.contrib.auth.models import Permission
from django.test import Client

from config.roles import Role
from tests.accounts.factories import PASSWORD, MembershipFactory, UserFactory


def signed_in_admin(user) -> Client:
    """Return a client signed in to the admin as `user`, with a fresh backup token."""
    token = secrets.token_hex(4)
    device = user.staticdevice_set.get_or_create(name="backup")[0]
    device.token_set.create(token=token)
    client = Client()
    response = client.post(
        "/admin/login/", {"username": user.email, "password": PASSWORD, "otp_token": token}
    )
    assert response.status_code == 302, "the admin sign-in failed"
    return client


def staff_member(*organizations, role: str = Role.ADMIN):
    """Make a staff member (not a superuser) holding every admin permission, in `organizations`.

    With every permission, only the organization scoping stands between them and other rows.
    """
    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(Permission.objects.all())
    for organization in organizations:
        MembershipFactory(user=staff, organization=organization, role=role)
    return staff


def superuser():
    return UserFactory(staff=True)
