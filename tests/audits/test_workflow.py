"""The review workflow: draft → submitted → approved or returned, by role, with clear refusals and score runs."""

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from assessments.models import ScoreRun
from audits.models import AuditCluster, AuditStatus
from core.models import Membership, Role
from tests.factories import AuditFactory, ClusterFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = [Role.VIEWER, Role.OFFICER, Role.REVIEWER, Role.ADMIN]


@pytest.fixture
def audit(organisation):
    audit = AuditFactory(organisation=organisation, title="Testshire life sciences")
    AuditCluster.objects.create(audit=audit, cluster=ClusterFactory(name="Biopharma"))
    return audit


def as_role(client, organisation, role):
    """Sign in a new member of ``organisation`` with ``role``."""
    user = UserFactory(username=f"the-{role}")
    MembershipFactory(organisation=organisation, user=user, role=role)
    client.force_login(user)
    return user


def post(client, name, audit, **data):
    return client.post(reverse(f"audits:{name}", args=[audit.pk]), data)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def with_status(audit, status):
    audit.status = status
    audit.save(update_fields=["status"])
    return audit


# --- Who may do what ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_officers_reviewers_and_admins_may_submit_and_viewers_may_not(
    client, organisation, audit, role, django_capture_on_commit_callbacks
):
    user = as_role(client, organisation, role)
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, "submit", audit)
    audit.refresh_from_db()
    if role == Role.VIEWER:
        assert response.status_code == 403
        assert audit.status == AuditStatus.DRAFT and not ScoreRun.objects.exists() and not callbacks
        return
    assert response.status_code == 302 and response["Location"] == reverse("audits:detail", args=[audit.pk])
    assert audit.status == AuditStatus.SUBMITTED and audit.submitted_by == user and audit.submitted_at
    assert "Submitted for review" in messages_of(response)[0]


@pytest.mark.parametrize("role", ROLES)
def test_only_reviewers_and_admins_may_approve(client, organisation, audit, role, django_capture_on_commit_callbacks):
    with_status(audit, AuditStatus.SUBMITTED)
    user = as_role(client, organisation, role)
    with django_capture_on_commit_callbacks():
        response = post(client, "approve", audit)
    audit.refresh_from_db()
    if role in (Role.VIEWER, Role.OFFICER):
        assert response.status_code == 403 and audit.status == AuditStatus.SUBMITTED
        return
    assert response.status_code == 302
    assert audit.status == AuditStatus.APPROVED and audit.approved_by == user and audit.approved_at


@pytest.mark.parametrize("role", ROLES)
def test_only_reviewers_and_admins_may_return_with_a_comment(client, organisation, audit, role):
    with_status(audit, AuditStatus.SUBMITTED)
    as_role(client, organisation, role)
    response = post(client, "return", audit, comment="  Add the investors.  ")
    audit.refresh_from_db()
    if role in (Role.VIEWER, Role.OFFICER):
        assert response.status_code == 403 and audit.status == AuditStatus.SUBMITTED
        return
    assert response.status_code == 302
    assert audit.status == AuditStatus.RETURNED and audit.review_comment == "Add the investors."


def test_an_outsider_gets_404_for_every_transition(client, outsider, audit):
    client.force_login(outsider)
    for name in ("submit", "approve", "return", "new_version", "copy_to_year"):
        assert post(client, name, audit, comment="x", year=2030).status_code == 404
    audit.refresh_from_db()
    assert audit.status == AuditStatus.DRAFT


def test_transitions_need_post(client, owner, audit):
    client.force_login(owner)
    for name in ("submit", "approve", "return", "new_version", "copy_to_year"):
        assert client.get(reverse(f"audits:{name}", args=[audit.pk])).status_code == 405


def test_an_anonymous_visitor_is_sent_to_sign_in(client, audit):
    response = post(client, "submit", audit)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- Score runs ---------------------------------------------------------------------------------------------


def test_submitting_starts_one_score_run_after_commit(client, officer, audit, django_capture_on_commit_callbacks):
    client.force_login(officer)
    with django_capture_on_commit_callbacks() as callbacks:
        post(client, "submit", audit)
    run = ScoreRun.objects.get(audit=audit)
    assert run.trigger == "audit submitted" and run.requested_by == officer and run.audit_version == audit.version
    assert len(callbacks) == 1  # the run is enqueued only once the transition has committed


def test_approving_starts_a_score_run_too(client, organisation, owner, audit, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks():
        post(client, "submit", audit)
        MembershipFactory(organisation=organisation, user=UserFactory(username="extra"), role=Role.VIEWER)
        AuditCluster.objects.create(audit=audit, cluster=ClusterFactory(name="Fintech"))  # a change since submit
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, "approve", audit)
    assert "Approved" in messages_of(response)[-1]
    assert list(ScoreRun.objects.filter(audit=audit).values_list("trigger", flat=True).order_by("pk")) == [
        "audit submitted",
        "audit approved",
    ]
    assert len(callbacks) == 1


# --- Refusals read plainly ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (AuditStatus.DRAFT, "approve", "This audit is draft: only a submitted audit can be approved."),
        (AuditStatus.DRAFT, "return", "This audit is draft: only a submitted audit can be returned."),
        (AuditStatus.SUBMITTED, "submit", "This audit is submitted: only a draft or returned audit can be submitted."),
        (AuditStatus.APPROVED, "submit", "This audit is approved: only a draft or returned audit can be submitted."),
        (AuditStatus.APPROVED, "approve", "This audit is approved: only a submitted audit can be approved."),
        (AuditStatus.RETURNED, "approve", "This audit is returned: only a submitted audit can be approved."),
    ],
)
def test_a_transition_the_status_does_not_allow_is_refused_with_a_clear_message(
    client, owner, audit, status, action, message
):
    with_status(audit, status)
    client.force_login(owner)
    response = post(client, action, audit, comment="Please fix.")
    audit.refresh_from_db()
    assert response.status_code == 302 and audit.status == status
    assert messages_of(response) == [message]
    assert not ScoreRun.objects.exists()


def test_returning_without_a_comment_is_refused(client, owner, audit):
    with_status(audit, AuditStatus.SUBMITTED)
    client.force_login(owner)
    response = post(client, "return", audit, comment="   ")
    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED
    assert messages_of(response) == ["Say what needs to change when returning an audit."]


def test_an_audit_without_candidate_clusters_cannot_be_submitted(client, organisation, officer):
    empty = AuditFactory(organisation=organisation)
    client.force_login(officer)
    response = post(client, "submit", empty)
    empty.refresh_from_db()
    assert empty.status == AuditStatus.DRAFT
    assert messages_of(response) == [empty.unscoreable_reason]
    assert "Add at least one candidate cluster" in empty.unscoreable_reason


# --- Editable, locked ---------------------------------------------------------------------------------------


def test_a_returned_audit_is_editable_again_and_can_be_resubmitted(
    client, organisation, officer, audit, django_capture_on_commit_callbacks
):
    with_status(audit, AuditStatus.SUBMITTED)
    reviewer = UserFactory(username="reviewer")
    MembershipFactory(organisation=organisation, user=reviewer, role=Role.REVIEWER)
    client.force_login(reviewer)
    post(client, "return", audit, comment="Add the investors.")
    audit.refresh_from_db()
    assert audit.is_editable and not audit.is_locked
    client.force_login(officer)
    with django_capture_on_commit_callbacks():
        post(client, "submit", audit)
    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED and not audit.is_editable


def test_an_approved_audit_is_locked(client, owner, audit, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks():
        post(client, "submit", audit)
        post(client, "approve", audit)
    audit.refresh_from_db()
    assert audit.is_locked and not audit.is_editable


def test_the_history_names_who_made_each_transition(client, owner, audit, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks():
        post(client, "submit", audit)
    latest = audit.history.first()
    assert latest.status == AuditStatus.SUBMITTED and latest.history_user == owner


# --- The workflow panel -------------------------------------------------------------------------------------


def panel(audit, user):
    request = RequestFactory().get("/")
    request.user = user
    request.membership = Membership.objects.filter(user=user, organisation=audit.organisation).first()
    request.organisation = audit.organisation
    return render_to_string("audits/workflow/_actions.html", {"audit": audit, "request": request}, request)


def test_the_panel_shows_each_role_only_the_actions_it_may_take(organisation, audit):
    users = {}
    for role in ROLES:
        users[role] = UserFactory(username=f"panel-{role}")
        MembershipFactory(organisation=organisation, user=users[role], role=role)

    assert "Submit for review" in panel(audit, users[Role.OFFICER])
    assert "Submit for review" not in panel(audit, users[Role.VIEWER])

    with_status(audit, AuditStatus.SUBMITTED)
    assert "Approve" not in panel(audit, users[Role.OFFICER])
    reviewer_panel = panel(audit, users[Role.REVIEWER])
    assert reverse("audits:approve", args=[audit.pk]) in reviewer_panel
    assert reverse("audits:return", args=[audit.pk]) in reviewer_panel

    with_status(audit, AuditStatus.APPROVED)
    admin_panel = panel(audit, users[Role.ADMIN])
    assert "Start a new version" in admin_panel and "Copy into a new year" in admin_panel
    viewer_panel = panel(audit, users[Role.VIEWER])
    assert "Approved" in viewer_panel and "<form" not in viewer_panel


def test_the_panel_shows_the_reviewers_comment_to_officers(organisation, officer, audit):
    audit.review_comment = "Add the investors."
    with_status(audit, AuditStatus.RETURNED)
    html = panel(audit, officer)
    assert "Reviewer's comment: Add the investors." in html and "Submit for review" in html


# --- Issue 21 point 17: submitting is confirmed, and reviewers find what awaits them ------------------------


def test_it_asks_for_confirmation_before_the_review_step_submits(client, organisation, audit):
    as_role(client, organisation, Role.OFFICER)
    page = client.get(reverse("audits:edit_step", args=[audit.pk, "review"])).content.decode()

    button = page[page.index('data-testid="submit-audit"') - 200 : page.index('data-testid="submit-audit"')]
    assert 'type="button"' in button and f'data-bs-target="#review-submit-{audit.pk}"' in button
    dialog = page[page.index(f'id="review-submit-{audit.pk}"') :]
    assert "Submit for review?" in dialog
    assert f'action="{reverse("audits:edit_submit", args=[audit.pk])}"' in dialog
    assert type(audit).objects.get(pk=audit.pk).status == AuditStatus.DRAFT


def test_it_lists_the_audits_awaiting_review_on_a_reviewers_home(client, organisation, audit):
    officer = as_role(client, organisation, Role.OFFICER)
    officer.first_name, officer.last_name = "Olive", "Officer"
    officer.save()
    post(client, "submit", audit)
    AuditFactory(organisation=organisation, title="Draftshire, not yet submitted")
    AuditFactory(title="Another organisation's submission", status=AuditStatus.SUBMITTED)

    as_role(client, organisation, Role.REVIEWER)
    page = client.get(reverse("home")).content.decode()
    listed = page[page.index('data-testid="awaiting-review"') : page.index("</ul>", page.index("awaiting-review"))]

    assert "Awaiting your review" in page
    assert "Testshire life sciences" in listed and "by Olive Officer" in listed
    assert "Draftshire" not in listed and "Another organisation" not in listed
    assert reverse("audits:detail", args=[audit.pk]) in listed


def test_it_shows_no_review_queue_to_officers(client, organisation, audit):
    as_role(client, organisation, Role.OFFICER)
    post(client, "submit", audit)
    assert "Awaiting your review" not in client.get(reverse("home")).content.decode()
