"""Staff choose, post and act only within their organizations; forged ids are refused."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiKey, Membership
from accounts.services import create_api_key
from config.roles import Role
from helpdesk.models import BusinessCalendar, SlaPolicy
from tests.accounts.admin_sessions import signed_in_admin, staff_member
from tests.accounts.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

OFFICE_HOURS = {"0": [["09:00", "17:00"]]}
POLICY = {"priority": "high", "first_response_minutes": 60, "resolution_minutes": 600}
NO_MEMBERSHIPS = {"memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0}


@pytest.fixture
def mine(db):
    return OrganizationFactory()


@pytest.fixture
def theirs(db):
    return OrganizationFactory()


@pytest.fixture
def staff(mine):
    return staff_member(mine)


@pytest.fixture
def client(staff):
    return signed_in_admin(staff)


def test_organization_choices_are_the_staff_members_own(client, mine, theirs):
    page = client.get("/admin/helpdesk/slapolicy/add/").content.decode()

    assert f'value="{mine.pk}"' in page
    assert f'value="{theirs.pk}"' not in page


def test_a_row_posted_into_another_organization_is_refused(client, mine, theirs):
    response = client.post("/admin/helpdesk/slapolicy/add/", {**POLICY, "organization": theirs.pk})

    assert response.status_code == 200  # the form again, with its error
    assert "Select a valid choice" in response.content.decode()
    assert not SlaPolicy.objects.exists()


def test_a_calendar_of_another_organization_is_refused(client, mine, theirs):
    calendar = BusinessCalendar.objects.create(
        organization=theirs, name="theirs", weekly_hours=OFFICE_HOURS
    )

    client.post(
        "/admin/helpdesk/slapolicy/add/",
        {**POLICY, "organization": mine.pk, "calendar": calendar.pk},
    )

    assert not SlaPolicy.objects.exists()


def test_even_a_superuser_cannot_give_a_policy_another_organizations_calendar(mine, theirs):
    calendar = BusinessCalendar.objects.create(
        organization=theirs, name="theirs", weekly_hours=OFFICE_HOURS
    )
    client = signed_in_admin(staff_member(mine, theirs))

    response = client.post(
        "/admin/helpdesk/slapolicy/add/",
        {**POLICY, "organization": mine.pk, "calendar": calendar.pk},
    )

    assert "Choose a calendar of the policy" in response.content.decode()
    assert not SlaPolicy.objects.exists()


def test_a_bulk_action_on_a_forged_id_leaves_other_organizations_alone(client, mine, theirs):
    own = create_api_key(organization_id=mine.pk, name="own", role=Role.AGENT).api_key
    other = create_api_key(organization_id=theirs.pk, name="other", role=Role.AGENT).api_key

    client.post(
        "/admin/accounts/apikey/",
        {"action": "revoke", "_selected_action": [own.pk, other.pk]},
    )

    assert ApiKey.objects.get(pk=own.pk).revoked_at is not None
    assert ApiKey.objects.get(pk=other.pk).revoked_at is None


def test_staff_cannot_make_anyone_a_superuser(client, mine):
    colleague = MembershipFactory(organization=mine).user

    client.post(
        f"/admin/accounts/user/{colleague.pk}/change/",
        {
            "email": colleague.email,
            "full_name": "Renamed",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            **NO_MEMBERSHIPS,
        },
    )

    colleague.refresh_from_db()
    assert colleague.full_name == "Renamed"
    assert (colleague.is_staff, colleague.is_superuser) == (False, False)


def test_staff_cannot_change_someone_who_also_belongs_to_another_organization(client, mine, theirs):
    shared = MembershipFactory(organization=mine).user
    MembershipFactory(user=shared, organization=theirs)

    assert client.get(f"/admin/accounts/user/{shared.pk}/change/").status_code == 200
    response = client.post(
        f"/admin/accounts/user/{shared.pk}/change/",
        {"email": "taken@example.test", "is_active": "on", **NO_MEMBERSHIPS},
    )
    password = client.get(f"/admin/accounts/user/{shared.pk}/password/")

    assert (response.status_code, password.status_code) == (403, 403)
    shared.refresh_from_db()
    assert shared.email != "taken@example.test"


def test_staff_add_people_only_into_their_organizations(client, mine, theirs):
    def add(email: str, organization) -> None:
        client.post(
            "/admin/accounts/user/add/",
            {
                "email": email,
                "password1": "a long enough passphrase 7",
                "password2": "a long enough passphrase 7",
                "usable_password": "true",
                "memberships-TOTAL_FORMS": 1,
                "memberships-INITIAL_FORMS": 0,
                "memberships-0-organization": organization.pk,
                "memberships-0-role": Role.AGENT,
                "memberships-0-capacity": 1,
            },
        )

    add("new@example.test", mine)
    add("sneaky@example.test", theirs)

    added = Membership.objects.filter(user__email__in=["new@example.test", "sneaky@example.test"])
    assert list(added.values_list("user__email", "organization")) == [("new@example.test", mine.pk)]


def test_staff_add_otp_devices_only_for_themselves(client, staff, mine):
    colleague = MembershipFactory(organization=mine).user

    for owner in (staff, colleague):
        client.post(
            "/admin/otp_totp/totpdevice/add/",
            {
                "user": owner.pk,
                "name": f"phone of {owner.pk}",
                "key": "3132333435363738393031323334353637383930",
                "step": 30,
                "t0": 0,
                "digits": 6,
                "tolerance": 1,
                "drift": 0,
                "throttling_failure_count": 0,
            },
        )

    assert list(TOTPDevice.objects.values_list("user", flat=True)) == [staff.pk]


def test_otp_device_keys_and_tokens_are_hidden_once_created(client, staff):
    device = staff.staticdevice_set.create(name="spare")
    device.token_set.create(token="visible1")

    page = client.get(f"/admin/otp_static/staticdevice/{device.pk}/change/")

    assert page.status_code == 200
    assert "visible1" not in page.content.decode()


def post_user_with_role(client, user, membership, role: str):
    return client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "email": user.email,
            "is_active": "on",
            "memberships-TOTAL_FORMS": 1,
            "memberships-INITIAL_FORMS": 1,
            "memberships-0-id": membership.pk,
            "memberships-0-user": user.pk,
            "memberships-0-organization": membership.organization_id,
            "memberships-0-role": role,
            "memberships-0-capacity": membership.capacity,
        },
    )


@pytest.mark.parametrize(
    ("role", "wanted"),
    [(Role.VIEWER, Role.ADMIN), (Role.AGENT, Role.ADMIN), (Role.ADMIN, Role.AGENT)],
)
def test_staff_cannot_change_their_own_membership(mine, role, wanted):
    staff = staff_member(mine, role=role)
    own = staff.memberships.get()

    response = post_user_with_role(signed_in_admin(staff), staff, own, wanted)

    assert response.status_code == 200  # the form again, with its error
    assert "Your own memberships are changed by another admin" in response.content.decode()
    own.refresh_from_db()
    assert own.role == role


def test_staff_cannot_grant_a_role_above_their_own(mine):
    client = signed_in_admin(staff_member(mine, role=Role.AGENT))
    colleague = MembershipFactory(organization=mine, role=Role.VIEWER)

    response = post_user_with_role(client, colleague.user, colleague, Role.ADMIN)

    assert "only roles up to your own" in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.role == Role.VIEWER


def test_staff_cannot_change_the_membership_of_someone_above_them(mine):
    client = signed_in_admin(staff_member(mine, role=Role.AGENT))
    colleague = MembershipFactory(organization=mine, role=Role.ADMIN)

    post_user_with_role(client, colleague.user, colleague, Role.VIEWER)

    colleague.refresh_from_db()
    assert colleague.role == Role.ADMIN


def test_an_admin_changes_a_colleagues_role(client, mine):
    colleague = MembershipFactory(organization=mine, role=Role.VIEWER)

    response = post_user_with_role(client, colleague.user, colleague, Role.ADMIN)

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.role == Role.ADMIN
