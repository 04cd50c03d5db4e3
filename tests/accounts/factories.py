import factory
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.models import Membership, Organization, User
from config.roles import Role

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    class Params:
        staff = factory.Trait(is_staff=True, is_superuser=True)

    @factory.post_generation
    def backup_tokens(user, create, tokens, **kwargs):
        """`UserFactory(backup_tokens=["abc123"])` gives the user a static OTP device."""
        if create and tokens:
            device = StaticDevice.objects.create(user=user, name="backup")
            for token in tokens:
                device.token_set.create(token=token)
        if create:
            user.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.AGENT
