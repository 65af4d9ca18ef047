"""Signals sent by the regions app."""

from django.dispatch import Signal

# Sent once after ``load_reference_data`` committed changes, with ``slugs``: the list of dataset slugs that were
# (re)loaded. The scoring engine subscribes to re-score what depends on them. Not sent when nothing changed.
reference_data_changed = Signal()
