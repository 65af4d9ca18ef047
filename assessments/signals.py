"""Receivers: what makes scores change on their own."""

from django.dispatch import receiver

from assessments.services.runs import rescore_after_reference_change
from regions.signals import reference_data_changed


@receiver(reference_data_changed, dispatch_uid="assessments-rescore-on-reference-change")
def rescore_on_reference_change(sender, slugs, **kwargs):
    rescore_after_reference_change(slugs=slugs)
