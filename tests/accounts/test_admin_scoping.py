"""Every admin page shows staff only their organizations' rows; superusers see all.

The tests run over every model registered with the admin: a new model admin without a
declared scoping, or without a sample row here, fails them.
"""

import uuid
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiKey, Organization, User
from accounts.services import create_api_key
from config.admin import OrganizationScopedAdmin
from config.roles import Role
from helpdesk.models import BusinessCalendar, SlaPolicy, Ticket
from outbox.models import Delivery, IdempotencyRecord, Notification, OutboxMessage, WebhookEndpoint
from qc.models import ChecklistTemplate, ChecklistVersion, Inspection, SignOff
from tests.accounts.admin_sessions import signed_in_admin, staff_member, superuser
from tests.accounts.factories import MembershipFactory, OrganizationFactory
from tests.helpdesk.factories import TicketFactory
from tests.outbox.factories import WebhookEndpointFactory, emit_event
from tests.qc.factories import open_inspection_row
from tests.workflow.factories import (
    ProcessTemplateFactory,
    deliverable_with_tasks,
    project_with,
    template_version,
)
from workflow.models import (
    Allocation,
    Deliverable,
    ProcessTemplate,
    Project,
    Task,
    TemplateVersion,
)

pytestmark = pytest.mark.django_db

OFFICE_HOURS = {str(day): [["09:00", "17:00"]] for day in range(5)}


def _member(organization) -> User:
    return MembershipFactory(organization=organization, role=Role.AGENT).user


# One row of each admin model in an organization, made by `make(organization, owner)`:
# `owner` is the person whose own rows they are (OTP devices belong to people, not tenants).
SAMPLES = {
    Group: lambda org, owner: Group.objects.create(name=f"group of {org.slug}"),
    User: lambda org, owner: _member(org),
    Organization: lambda org, owner: org,
    ApiKey: lambda org, owner: (
        create_api_key(organization_id=org.pk, name="ci", role=Role.AGENT).api_key
    ),
    Ticket: lambda org, owner: TicketFactory(organization=org),
    SlaPolicy: lambda org, owner: SlaPolicy.objects.create(
        organization=org, priority="high", first_response_minutes=60, resolution_minutes=600
    ),
    BusinessCalendar: lambda org, owner: BusinessCalendar.objects.create(
        organization=org, name=f"hours of {org.slug}", weekly_hours=OFFICE_HOURS
    ),
    OutboxMessage: lambda org, owner: emit_event(org),
    WebhookEndpoint: lambda org, owner: WebhookEndpointFactory(organization=org),
    Delivery: lambda org, owner: Delivery.objects.create(
        endpoint=WebhookEndpointFactory(organization=org), message=emit_event(org)
    ),
    Notification: lambda org, owner: Notification.objects.create(
        organization=org, recipient=owner, event_id=uuid.uuid4(), event_type="x", title="t"
    ),
    IdempotencyRecord: lambda org, owner: IdempotencyRecord.objects.create(
        organization=org,
        principal=f"user:{owner.pk}",
        key_digest=uuid.uuid4().hex,
        fingerprint="0" * 64,
        method="POST",
        path="/api/v1/tickets",
        expires_at=timezone.now() + timedelta(days=1),
    ),
    TOTPDevice: lambda org, owner: TOTPDevice.objects.create(user=owner, name="phone"),
    StaticDevice: lambda org, owner: StaticDevice.objects.create(user=owner, name="spare"),
    ProcessTemplate: lambda org, owner: ProcessTemplateFactory(organization=org),
    TemplateVersion: lambda org, owner: template_version(org),
    Project: lambda org, owner: project_with(org),
    Deliverable: lambda org, owner: deliverable_with_tasks(org),
    Task: lambda org, owner: deliverable_with_tasks(org).tasks.first(),
    Allocation: lambda org, owner: Allocation.objects.create(
        organization=org,
        task=deliverable_with_tasks(org).tasks.first(),
        user=_member(org),
        slot=1,
        allocated_by_label="sample",
    ),
    ChecklistTemplate: lambda org, owner: ChecklistTemplate.objects.create(
        organization=org, key="seams", name="Seams"
    ),
    ChecklistVersion: lambda org, owner: ChecklistVersion.objects.create(
        template=ChecklistTemplate.objects.create(organization=org, key="fit", name="Fit"), number=1
    ),
    Inspection: lambda org, owner: open_inspection_row(org),
    SignOff: lambda org, owner: SignOff.objects.create(
        organization=org, deliverable=deliverable_with_tasks(org), role="admin", signer_label="s"
    ),
}
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def url(obj, view: str = "change") -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=[obj.pk])


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture
def tenants():
    """Two organizations, a staff member of the first, and someone of the second."""
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    staff = staff_member(mine)
    return mine, theirs, staff, _member(theirs)


def test_every_admin_is_scoped_and_has_a_sample_here():
    unscoped = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, OrganizationScopedAdmin)
    ]
    assert unscoped == [], "mix OrganizationScopedAdmin into these admins"
    assert set(admin.site._registry) == set(SAMPLES), "add a sample row for each admin model"


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_staff_see_and_change_only_their_organizations_rows(model, tenants):
    mine, theirs, staff, stranger = tenants
    client = signed_in_admin(staff)
    own_row, other_row = SAMPLES[model](mine, staff), SAMPLES[model](theirs, stranger)
    superusers_only = admin.site.get_model_admin(model).organization_path is None

    listing = client.get(changelist(model))

    if superusers_only:
        assert listing.status_code == 403
        assert client.get(url(own_row)).status_code in (403, 404)
    else:
        page = listing.content.decode()
        assert listing.status_code == 200
        assert url(own_row) in page
        assert url(other_row) not in page
        assert f">{theirs.slug}<" not in page  # nor in the filters
        assert client.get(url(own_row)).status_code == 200
    for view in ("change", "delete", "history"):
        assert client.get(url(other_row, view)).status_code in (403, 404), view
    assert client.post(url(other_row), {}).status_code in (403, 404)
    assert client.post(url(other_row, "delete"), {"post": "yes"}).status_code in (403, 404)
    assert model._default_manager.filter(pk=other_row.pk).exists()


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_superusers_see_every_organizations_rows(model, tenants):
    mine, theirs, staff, stranger = tenants
    client = signed_in_admin(superuser())
    rows = [SAMPLES[model](mine, staff), SAMPLES[model](theirs, stranger)]

    page = client.get(changelist(model)).content.decode()

    assert all(url(row) in page for row in rows)
    assert all(client.get(url(row)).status_code == 200 for row in rows)
