"""Factories for tests: explicit, organisation-aware, independent of the reference data."""

import factory
from django.contrib.auth import get_user_model

from anchors.models import AnchorInstitution, AnchorType
from audits.models import Audit
from clusters.models import ClusterDefinition, ClusterKind
from core.models import Membership, Organisation, Role
from regions.models import Classification, Region, RegionScheme, RegionSet
from stakeholders.models import Partnership, PartnershipKind, Stakeholder, StakeholderGroup

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.OFFICER


class ClassificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Classification
        django_get_or_create = ("slug",)

    slug = "test-classification"
    name = "Test classification"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("scheme", "code")

    scheme = RegionScheme.NUTS2
    code = factory.Sequence(lambda n: f"ZZ{n:02d}")
    name = factory.Sequence(lambda n: f"Test region {n}")


class RegionSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegionSet
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"test-set-{n}")
    name = factory.Sequence(lambda n: f"Test set {n}")


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClusterDefinition

    slug = factory.Sequence(lambda n: f"test-cluster-{n}")
    code = factory.LazyAttribute(lambda c: c.slug)
    name = factory.Sequence(lambda n: f"Test cluster {n}")
    kind = ClusterKind.CUSTOM
    classification = factory.SubFactory(ClassificationFactory)


class AuditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Audit

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Audit {n}")
    region = factory.SubFactory(RegionFactory)
    region_set = factory.SubFactory(RegionSetFactory)
    year = 2024


class AnchorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnchorInstitution

    audit = factory.SubFactory(AuditFactory)
    name = factory.Sequence(lambda n: f"Anchor {n}")
    anchor_type = AnchorType.UNIVERSITY


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stakeholder

    audit = factory.SubFactory(AuditFactory)
    name = factory.Sequence(lambda n: f"Stakeholder {n}")
    group = StakeholderGroup.CORPORATE


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    audit = factory.SubFactory(AuditFactory)
    from_stakeholder = factory.SubFactory(StakeholderFactory, audit=factory.SelfAttribute("..audit"))
    to_stakeholder = factory.SubFactory(StakeholderFactory, audit=factory.SelfAttribute("..audit"))
    kind = PartnershipKind.RESEARCH
