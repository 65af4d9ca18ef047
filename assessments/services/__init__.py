"""Writes for scoring: score runs (``runs``), methodologies (``methodologies``) and scenarios (``scenarios``)."""


class ScoringError(Exception):
    """A run that cannot be computed for a reason the user can fix (no statistics, bad methodology)."""
