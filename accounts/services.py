from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone

import outbox
from accounts import api_keys, events
from accounts.models import ApiKey, Membership, Organization, User
from config.api import problem_types as types
from config.api.problems import ApplicationError
from config.roles import Role
from config.transactions import use_case

MEMBER_EXISTS = types.register(
    types.ProblemType(
        "member-exists",
        409,
        "The person is already a member",
        "The e-mail address belongs to a current member of this organization; `member` names "
        "the membership.",
        "Change the member's role with `PATCH /api/v1/members/{id}` instead of adding them again.",
    )
)
LAST_ADMIN = types.register(
    types.ProblemType(
        "last-admin",
        409,
        "The organization would be left without an admin",
        "Every organization keeps at least one admin; this request would demote or remove the "
        "last one.",
        "Make another member an admin first, then retry.",
    )
)


class MemberExists(ApplicationError):
    problem_type = MEMBER_EXISTS


class LastAdmin(ApplicationError):
    problem_type = LAST_ADMIN


class DeactivatedAccount(ApplicationError):
    problem_type = types.VALIDATION_ERROR


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
    """Give a user a role, reactivating a removed membership; silent, for seeding data."""
    membership, _ = Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": role, "removed_at": None}
    )
    return membership


@use_case
def add_member_by_email(
    *, organization_id: int, email: str, role: str, full_name: str = "", actor: str
) -> Membership:
    """Add a person, created without a password if new; they are e-mailed a link to choose one."""
    organization = _locked_organization(organization_id)
    user, account_created = _user_with_email(email, full_name)
    if not user.is_active:
        detail = f"The account {user.email} is deactivated; reactivate it before adding it."
        raise DeactivatedAccount(
            detail, errors=[{"pointer": "/email", "detail": detail, "code": "deactivated"}]
        )
    membership = _join(user, organization, role)
    outbox.emit(
        **events.member_event(
            events.MEMBER_ADDED,
            membership,
            organization,
            actor=actor,
            account_created=account_created,
        )
    )
    return membership


@use_case
def change_member(
    *,
    organization_id: int,
    user_id: int,
    actor: str,
    role: str | None = None,
    capacity: int | None = None,
) -> Membership:
    """Change a member's role, capacity or both; the organization's last admin stays one.

    A lower capacity binds new assignments only: allocations already held stay.
    """
    organization = _locked_organization(organization_id)
    membership = _current_membership(organization_id, user_id)
    if role is not None and role != membership.role:
        _change_role(membership, organization, role, actor)
    if capacity is not None and capacity != membership.capacity:
        _change_capacity(membership, organization, capacity, actor)
    return membership


def _change_role(membership: Membership, organization: Organization, role: str, actor: str) -> None:
    if membership.role == Role.ADMIN:
        _ensure_another_admin(membership, f"{membership.user.email} cannot stop being admin")
    previous_role, membership.role = membership.role, role
    membership.save(update_fields=["role"])
    outbox.emit(
        **events.member_event(
            events.MEMBER_ROLE_CHANGED,
            membership,
            organization,
            actor=actor,
            previous_role=previous_role,
        )
    )


def _change_capacity(
    membership: Membership, organization: Organization, capacity: int, actor: str
) -> None:
    previous_capacity, membership.capacity = membership.capacity, capacity
    membership.save(update_fields=["capacity"])
    outbox.emit(
        **events.member_event(
            events.MEMBER_CAPACITY_CHANGED,
            membership,
            organization,
            actor=actor,
            capacity=capacity,
            previous_capacity=previous_capacity,
        )
    )


@use_case
def remove_member(*, organization_id: int, user_id: int, actor: str) -> Membership:
    """End a membership; the row stays, so what the member did still names them."""
    organization = _locked_organization(organization_id)
    membership = _current_membership(organization_id, user_id)
    if membership.role == Role.ADMIN:
        _ensure_another_admin(membership, f"{membership.user.email} cannot be removed")
    membership.removed_at = timezone.now()
    membership.save(update_fields=["removed_at"])
    outbox.emit(**events.member_event(events.MEMBER_REMOVED, membership, organization, actor=actor))
    return membership


def _join(user: User, organization: Organization, role: str) -> Membership:
    """Create the membership, or restore a removed one: one row per person and organization."""
    membership = Membership.objects.filter(user=user, organization=organization).first()
    if membership is None:
        return Membership.objects.create(user=user, organization=organization, role=role)
    if membership.removed_at is None:
        raise MemberExists(
            f"{user.email} is already a member of {organization.slug} as {membership.role}.",
            member={"id": user.pk, "email": user.email, "role": membership.role},
        )
    membership.user, membership.role, membership.removed_at = user, role, None
    membership.save(update_fields=["role", "removed_at"])
    return membership


def _locked_organization(organization_id: int) -> Organization:
    # One lock per organization orders its membership changes, so two admins demoting each
    # other cannot both see the other one as the admin who remains.
    return Organization.objects.select_for_update().get(pk=organization_id)


def _current_membership(organization_id: int, user_id: int) -> Membership:
    return Membership.objects.select_related("user").get(
        organization_id=organization_id, user_id=user_id, removed_at__isnull=True
    )


def _ensure_another_admin(membership: Membership, refusal: str) -> None:
    other_admins = Membership.objects.filter(
        organization_id=membership.organization_id,
        role=Role.ADMIN,
        removed_at__isnull=True,
        user__is_active=True,
    ).exclude(pk=membership.pk)
    if not other_admins.exists():
        raise LastAdmin(f"{refusal}: they are the organization's last admin.")


def _user_with_email(email: str, full_name: str) -> tuple[User, bool]:
    """Return the user with this address (any case), creating one with no usable password."""
    email = User.objects.normalize_email(email).lower()
    # lower(email) is what the unique index holds; iexact would compare upper() and scan.
    same_address = Exact(Lower("email"), email)
    user = User.objects.filter(same_address).first()
    if user is not None:
        return user, False
    user = User(email=email, full_name=full_name)
    user.set_unusable_password()
    try:
        with transaction.atomic():  # an addition to another organization may create it first
            user.save()
    except IntegrityError:
        return User.objects.get(same_address), False
    return user, True


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
