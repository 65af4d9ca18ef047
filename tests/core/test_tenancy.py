"""Tenancy: an organisation's rows are visible to its members only; public reference data to everyone."""

import pytest
from django.contrib.auth.models import AnonymousUser

from anchors.models import AnchorInstitution
from assessments.models import Methodology
from audits.models import Audit
from clusters.models import ClusterDefinition
from core.models import Role
from stakeholders.models import Partnership, Stakeholder
from tests.factories import (
    AnchorFactory,
    AuditFactory,
    ClusterFactory,
    MembershipFactory,
    PartnershipFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_audit(organisation):
    return AuditFactory(organisation=organisation)


@pytest.fixture
def foreign_audit(other_organisation):
    return AuditFactory(organisation=other_organisation)


@pytest.mark.parametrize(
    "model,factory",
    [
        (AnchorInstitution, AnchorFactory),
        (Stakeholder, StakeholderFactory),
        (Partnership, PartnershipFactory),
    ],
)
def test_it_scopes_audit_assets_through_their_audit(model, factory, own_audit, foreign_audit, owner, member, outsider):
    own = factory(audit=own_audit)
    foreign = factory(audit=foreign_audit)
    for persona in (owner, member):
        visible = set(model.objects.for_user(persona))
        assert own in visible
        assert foreign not in visible
    assert set(model.objects.for_user(outsider)) == {foreign}


def test_it_shows_audits_to_members_only(own_audit, foreign_audit, owner, member, outsider):
    assert list(Audit.objects.for_user(owner)) == [own_audit]
    assert list(Audit.objects.for_user(member)) == [own_audit]
    assert list(Audit.objects.for_user(outsider)) == [foreign_audit]
    assert not Audit.objects.for_user(AnonymousUser()).exists()
    assert not Audit.objects.for_user(None).exists()


def test_it_narrows_to_one_organisation_only_for_members(own_audit, foreign_audit, organisation, other_organisation):
    consultant = MembershipFactory(organisation=organisation, role=Role.VIEWER).user
    MembershipFactory(organisation=other_organisation, user=consultant, role=Role.OFFICER)
    assert set(Audit.objects.for_user(consultant)) == {own_audit, foreign_audit}
    assert list(Audit.objects.for_user(consultant, organisation=organisation)) == [own_audit]
    assert list(Audit.objects.for_user(consultant, organisation=other_organisation)) == [foreign_audit]


def test_it_never_widens_to_an_organisation_the_user_is_not_in(own_audit, foreign_audit, member, other_organisation):
    assert not Audit.objects.for_user(member, organisation=other_organisation).exists()


def test_it_shares_public_clusters_and_hides_private_ones(organisation, other_organisation, member, outsider):
    public = ClusterFactory(organisation=None, slug="shared")
    mine = ClusterFactory(organisation=organisation, slug="mine")
    theirs = ClusterFactory(organisation=other_organisation, slug="theirs")
    assert {public, mine} <= set(ClusterDefinition.objects.for_user(member))
    assert theirs not in set(ClusterDefinition.objects.for_user(member))
    assert mine not in set(ClusterDefinition.objects.for_user(outsider))
    anonymous = set(ClusterDefinition.objects.for_user(AnonymousUser()))
    assert public in anonymous and mine not in anonymous


def test_it_keeps_private_methodologies_private(organisation, member, outsider):
    default = Methodology.objects.create(name="Default", version=1, organisation=None, is_default=True)
    tuned = Methodology.objects.create(name="Tuned", version=1, organisation=organisation, parent=default)
    assert set(Methodology.objects.for_user(member)) >= {default, tuned}
    assert tuned not in set(Methodology.objects.for_user(outsider))
    assert default in set(Methodology.objects.for_user(outsider))


def test_it_ranks_roles(organisation, owner, member, officer, outsider):
    assert organisation.has_role(owner, Role.ADMIN)
    assert organisation.has_role(officer, Role.OFFICER)
    assert not organisation.has_role(officer, Role.REVIEWER)
    assert organisation.has_role(member, Role.VIEWER)
    assert not organisation.has_role(member, Role.OFFICER)
    assert not organisation.has_role(outsider, Role.VIEWER)
    assert organisation.role_of(outsider) is None
