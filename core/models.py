"""Tenancy (organisations, memberships, roles) and the platform's shared base models."""

import hashlib
import json

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify


class TimeStampedModel(models.Model):
    """Adds creation and modification times."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class StaleEdit(Exception):
    """Someone else saved the record since this edit started; nothing was written."""

    def __init__(self, instance):
        self.instance = instance
        super().__init__(f"{instance._meta.verbose_name.capitalize()} '{instance}' was changed by someone else.")


class Revisioned(models.Model):
    """Optimistic locking: ``revision`` counts saves, and ``save_revision`` writes only over the revision it read.

    Two officers edit the same record: both forms carry revision 3; the first save makes it 4; the second
    save, still at 3, updates no row and raises ``StaleEdit`` instead of silently overwriting.
    """

    revision = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save_revision(self, expected, update_fields=None):
        """Save if the stored revision is still ``expected``; raises ``StaleEdit`` otherwise.

        The row is locked while its revision is compared, then saved normally, so history (simple-history's
        signals) records the change with its author.
        """
        if self.pk is None:
            self.save()
            return self
        with transaction.atomic():
            current = (
                type(self)._base_manager.select_for_update().filter(pk=self.pk).values_list("revision", flat=True)
            ).first()
            if current != expected:
                raise StaleEdit(self)
            self.revision = expected + 1
            if update_fields is not None:
                names = {f.name for f in self._meta.concrete_fields}
                update_fields = {*update_fields, "revision"} | ({"updated_at"} & names)
            self.save(update_fields=update_fields)
        return self


class Role(models.TextChoices):
    """A member's role in an organisation, in increasing order of power."""

    VIEWER = "viewer", "Viewer"
    OFFICER = "officer", "Officer"
    REVIEWER = "reviewer", "Reviewer"
    ADMIN = "admin", "Admin"

    @classmethod
    def rank(cls, role):
        return [c.value for c in cls].index(role)

    @classmethod
    def at_least(cls, role, minimum):
        """True when ``role`` (``None`` for no membership) is ``minimum`` or above: the one comparison of roles."""
        return role is not None and cls.rank(role) >= cls.rank(minimum)


class Organisation(TimeStampedModel):
    """The tenant: a development agency, a council or a consultancy's client.

    Audits, scenarios, methodologies, reports and API keys belong to exactly one organisation.
    """

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="organisations")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:60]
        super().save(*args, **kwargs)

    def role_of(self, user):
        """The user's role here, or ``None`` if not a member."""
        if user is None or not user.is_authenticated:
            return None
        return self.memberships.filter(user=user).values_list("role", flat=True).first()

    def has_role(self, user, minimum):
        """True when ``user`` is a member with at least the ``minimum`` role."""
        return Role.at_least(self.role_of(user), minimum)


class Membership(TimeStampedModel):
    """A user's membership of an organisation, with a role. A consultant may belong to several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    last_used_at = models.DateTimeField(
        null=True, blank=True, help_text="When the user last chose this organisation; after sign-in they land in it."
    )

    class Meta:
        ordering = ["organisation__name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} in {self.organisation} ({self.role})"

    def has_role(self, minimum):
        return Role.at_least(self.role, minimum)


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Neither accepted, declined nor expired."""
        return self.filter(accepted_at__isnull=True, declined_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(TimeStampedModel):
    """An organisation's invitation to join with a role: nobody becomes a member without accepting.

    Addressed to a username, it can be accepted only by that account (from their home page, or with the link);
    without one, by whoever holds the link. Either way once, before ``expires_at``. The link's token is shown
    once to the admin who made it; only its SHA-256 is kept.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    username = models.CharField(max_length=150, blank=True, help_text="Empty: whoever holds the link.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    declined_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.organisation} as {self.role} for {self.username or 'the link holder'}"

    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_open(self):
        return self.accepted_at is None and self.declined_at is None and self.expires_at > timezone.now()

    def is_for(self, user):
        """True when ``user`` may accept it: the addressed account, or anyone for a link-only invitation."""
        return not self.username or self.username == user.get_username()


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    TIMED_OUT = "timed_out", "Timed out"
    CANCELLED = "cancelled", "Cancelled"


class Run(TimeStampedModel):
    """A background run is a row: status, progress, timings, log, error and input fingerprint.

    Enqueuing identical inputs returns the queued run; a worker claims a run with a conditional update
    (``claim``) and proceeds only if it won. Concrete runs (score runs, report builds) subclass this.
    """

    ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)

    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent complete, 0–100.")
    fingerprint = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the run's inputs.")
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    log = models.TextField(blank=True)
    timings = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True

    @property
    def is_active(self):
        return self.status in self.ACTIVE

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    def claim(self, worker=""):
        """Move this run from queued to running if nobody else has; True when this caller won the claim."""
        now = timezone.now()
        won = (
            type(self)
            .objects.filter(pk=self.pk, status=RunStatus.QUEUED)
            .update(
                status=RunStatus.RUNNING,
                started_at=now,
                heartbeat_at=now,
                worker=worker[:200],
                attempts=models.F("attempts") + 1,
            )
        )
        if won:
            self.refresh_from_db()
        return bool(won)

    def append_log(self, line):
        """Append a timestamped line to the run's log (saved by the caller)."""
        self.log += f"{timezone.now():%Y-%m-%d %H:%M:%S} {line}\n"

    @staticmethod
    def fingerprint_of(payload):
        """A stable SHA-256 of a JSON-serialisable payload (keys sorted)."""
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker ran the periodic heartbeat; the health page reads it."""

    hostname = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.hostname} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


class Located(models.Model):
    """A place: an address and optional coordinates (WGS84)."""

    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=120, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def has_location(self):
        return self.latitude is not None and self.longitude is not None
