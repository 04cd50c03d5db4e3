from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

import outbox
from accounts import api_keys, events
from accounts.models import ApiKey, Membership, Organization, User
from config.roles import Role
from config.transactions import use_case


@dataclass(frozen=True)
class IssuedApiKey:
    """A key just created: the only moment its plaintext exists."""

    api_key: ApiKey
    plaintext: str


@use_case
def create_organization(*, slug: str, name: str, admin_email: str) -> Organization:
    """Create an organization with its first admin (created, without a password, if new)."""
    organization = Organization.objects.create(slug=slug, name=name)
    email = User.objects.normalize_email(admin_email).lower()
    admin = User.objects.filter(email=email).first() or User.objects.create_user(email)
    Membership.objects.create(user=admin, organization=organization, role=Role.ADMIN)
    return organization


@use_case
def add_member(*, organization: Organization, user: User, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    return membership


@use_case
def create_api_key(
    *,
    organization_id: int,
    name: str,
    role: str,
    created_by_id: int | None = None,
    expires_at: datetime | None = None,
    actor: str = "system",
) -> IssuedApiKey:
    """Issue a key; only its argon2id hash is stored."""
    material = api_keys.generate_key_material()
    api_key = ApiKey.objects.create(
        organization_id=organization_id,
        name=name,
        role=role,
        prefix=material.prefix,
        secret_hash=material.secret_hash,
        created_by_id=created_by_id,
        expires_at=expires_at,
    )
    outbox.emit(**events.api_key_event(events.API_KEY_CREATED, api_key, actor=actor))
    return IssuedApiKey(api_key=api_key, plaintext=material.plaintext)


@use_case
def revoke_api_key(*, organization_id: int, api_key_id: int, actor: str = "system") -> ApiKey:
    """Revoke a key for good; it stops working on the next request (ADR 2: without Redis)."""
    api_key = ApiKey.objects.select_for_update().get(organization_id=organization_id, pk=api_key_id)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        outbox.emit(**events.api_key_event(events.API_KEY_REVOKED, api_key, actor=actor))
    transaction.on_commit(lambda: api_keys.forget_revoked_key(api_key.prefix))
    return api_key
