"""Error pages under production settings (DEBUG off): every unmatched URL is the site's own 404, a refused action
its own 403, a crash its own 500 — anonymous or signed in, never a traceback or the list of URL patterns."""

import html

import pytest
from django.test import override_settings
from django.urls import include, path, reverse

from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# Production settings, except a static storage that needs no collected manifest (the one thing a test run lacks).
PRODUCTION = override_settings(
    DEBUG=False,
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
)
LEAKS = ("Traceback", "URLconf", "urlpatterns", "Using the URLconf", "DEBUG = True", "Request Method")


def boom(request):
    raise RuntimeError("a deliberate crash")


# A test-only URLconf: the site's own, plus a view that crashes; the site's handlers answer for it.
urlpatterns = [path("boom/", boom), path("", include("clusterplatform.urls"))]
handler404 = "clusterplatform.urls.handler404"
handler500 = "clusterplatform.urls.handler500"


@pytest.fixture(params=["anonymous", "signed in"])
def visitor(request, client, organisation):
    client.raise_request_exception = False
    if request.param == "signed in":
        user = UserFactory(username="visitor")
        MembershipFactory(organisation=organisation, user=user, role="viewer")
        client.force_login(user)
    with PRODUCTION:
        yield client


def assert_own_page(response, status, text):
    page = html.unescape(response.content.decode())
    assert response.status_code == status
    assert "Cluster Platform" in page and text in page
    assert not any(leak in page for leak in LEAKS)


@pytest.mark.parametrize("url", ["/nonexistent/", "/audits/abc/", "/static/nope.css", "/accounts/organisation/x/"])
def test_it_answers_an_unmatched_url_with_the_sites_404(visitor, url):
    assert_own_page(visitor.get(url), 404, "We could not find that page")


def test_it_answers_health_with_200(visitor):
    response = visitor.get("/health/")
    assert response.status_code == 200 and response.json()["checks"]["database"] == "ok"


def test_it_answers_a_refused_write_with_the_sites_403(client, organisation, member):
    client.force_login(member)  # a viewer
    with PRODUCTION:
        response = client.post(reverse("member_invite"), {"username": "someone", "role": "viewer"})
    assert_own_page(response, 403, "Only the organisation's admins can manage its members.")


def test_it_sends_a_signed_out_visitor_to_sign_in_rather_than_a_403(visitor):
    response = visitor.post(reverse("member_invite"), {"username": "someone", "role": "viewer"})
    assert response.status_code in (302, 403)
    if response.status_code == 403:
        assert_own_page(response, 403, "not allowed")


@pytest.mark.urls(__name__)
def test_it_answers_a_crash_with_the_sites_500(visitor):
    response = visitor.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Cluster Platform" in page and "Something went wrong on our side" in page
    assert "deliberate crash" not in page and not any(leak in page for leak in LEAKS)


def test_the_500_page_needs_no_request_context_nor_database(django_assert_num_queries):
    from django.template import loader

    with django_assert_num_queries(0):
        page = loader.get_template("500.html").render({})
    assert "Something went wrong on our side" in page
