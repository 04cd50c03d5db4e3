"""Demo organization, people and credentials for `make run`; safe to load again and again."""

from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts import services
from accounts.models import ApiKey, Organization, User
from config.roles import Role

DEMO_ORGANIZATION = "acme"
DEMO_ADMIN_EMAIL = "admin@acme.example"
DEMO_PASSWORD = "serviceflow-demo"  # noqa: S105  (printed by make run; demo only)
DEMO_KEY_NAME = "demo"
DEMO_PEOPLE = [
    ("agent@acme.example", "Alex Agent", Role.AGENT),
    ("inspector@acme.example", "Quinn Inspector", Role.QC_INSPECTOR),
    ("viewer@acme.example", "Vic Viewer", Role.VIEWER),
]


@dataclass(frozen=True)
class DemoCredentials:
    admin_email: str
    password: str
    backup_token: str
    api_key: str
    organization_slug: str = DEMO_ORGANIZATION


@transaction.atomic
def load_demo_accounts() -> DemoCredentials:
    """Ensure the demo data exists; issue a fresh backup token and a fresh demo API key."""
    organization = Organization.objects.filter(slug=DEMO_ORGANIZATION).first()
    if organization is None:
        organization = services.create_organization(
            slug=DEMO_ORGANIZATION, name="Acme Services", admin_email=DEMO_ADMIN_EMAIL
        )
    admin = User.objects.get(email=DEMO_ADMIN_EMAIL)
    admin.full_name, admin.is_staff, admin.is_superuser = "Ada Admin", True, True
    admin.set_password(DEMO_PASSWORD)
    admin.save()
    for email, full_name, role in DEMO_PEOPLE:
        person, _ = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
        person.set_password(DEMO_PASSWORD)
        person.save(update_fields=["password"])
        services.add_member(organization=organization, user=person, role=role)
    # The previous run's demo key was printed once and is gone; replace it.
    stale_keys = ApiKey.objects.filter(
        organization=organization, name=DEMO_KEY_NAME, revoked_at__isnull=True
    )
    for stale in stale_keys:
        services.revoke_api_key(organization_id=organization.pk, api_key_id=stale.pk)
    issued = services.create_api_key(
        organization_id=organization.pk, name=DEMO_KEY_NAME, role=Role.ADMIN, created_by_id=admin.pk
    )
    return DemoCredentials(admin.email, DEMO_PASSWORD, _fresh_backup_token(admin), issued.plaintext)


def _fresh_backup_token(user: User) -> str:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="backup")
    token = StaticToken.random_token()
    device.token_set.create(token=token)
    return token
