"""Plotly figure builders of the dashboards: shared conventions in ``base``, one module per page area."""
