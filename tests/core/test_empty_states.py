"""Empty states say what to do in the browser, or who can do it; never ``python manage.py`` to a member
(issue 21 point 15). The site's staff may still see the server command beside the browser action."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from assessments.models import ScoreRun
from core.models import Role
from regions.models import RegionSet
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

BENCHMARK = reverse("dashboard_benchmark") + "?region_set=us-states&regions=25&regions=06"


@pytest.fixture
def new_organisation():
    return OrganisationFactory(slug="fresh", name="Fresh Start Council")


def member_of(organisation, role, **user):
    return MembershipFactory(organisation=organisation, role=role, user=UserFactory(**user)).user


@pytest.fixture
def unscored():
    ScoreRun.objects.filter(region_set__slug="us-states").delete()


def test_it_offers_an_officer_of_a_new_organisation_to_start_an_audit(client, new_organisation):
    client.force_login(member_of(new_organisation, Role.OFFICER))
    for url in (reverse("home"), reverse("audits:list")):
        page = client.get(url).content.decode()
        assert "manage.py" not in page
        assert reverse("audits:new") in page


def test_it_tells_a_viewer_of_a_new_organisation_who_starts_audits(client, new_organisation):
    client.force_login(member_of(new_organisation, Role.VIEWER))
    for url in (reverse("home"), reverse("audits:list")):
        page = client.get(url).content.decode()
        assert "manage.py" not in page
        assert "Officers, reviewers and admins of Fresh Start Council start audits" in page
        assert reverse("audits:new") not in page


def test_it_tells_a_member_who_scores_a_region_set_the_maps_need(client, member, unscored):
    client.force_login(member)
    for url in (BENCHMARK, reverse("dashboard_choropleth", args=["us-states"])):
        page = client.get(url).content.decode()
        assert "No scores for this region set yet" in page
        assert "manage.py" not in page
        assert "administrators score region sets" in page
        assert reverse("dashboard_region_set_score", args=["us-states"]) not in page


def test_it_lets_staff_score_the_region_set_from_the_page(
    client, organisation, unscored, django_capture_on_commit_callbacks
):
    client.force_login(member_of(organisation, Role.ADMIN, username="operator", is_staff=True))
    page = client.get(BENCHMARK).content.decode()
    action = reverse("dashboard_region_set_score", args=["us-states"])
    assert f'action="{action}"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action, {"next": BENCHMARK})

    assert response.status_code == 302 and response["Location"] == BENCHMARK
    run = ScoreRun.objects.get(region_set=RegionSet.objects.get(slug="us-states"), audit=None, scenario=None)
    assert (run.year, run.status, run.requested_by.username) == (2016, "succeeded", "operator")
    assert "No scores for this region set yet" not in client.get(BENCHMARK).content.decode()


def test_it_refuses_scoring_a_region_set_to_a_member(client, owner, unscored):
    client.force_login(owner)
    response = client.post(reverse("dashboard_region_set_score", args=["us-states"]))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert not ScoreRun.objects.filter(region_set__slug="us-states").exists()


def test_it_shows_server_commands_to_staff_only(rf):
    context = {"title": "Nothing", "text": "Ask an administrator.", "command": "python manage.py load_reference_data"}
    for staff, shown in ((False, False), (True, True)):
        html = render_to_string("includes/empty_state.html", {**context, "user": UserFactory.build(is_staff=staff)})
        assert ("manage.py" in html) is shown
        assert "Bootstrap Icons name" not in html  # the template's own comment stays out of the page
