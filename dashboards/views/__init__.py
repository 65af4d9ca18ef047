"""The dashboards' pages: read-only figure pages, one module per area (home, region, maps, scenarios).

Each view checks access, validates its query string (``dashboards.forms``), reads through
``dashboards.selectors`` and hands the figures to ``dashboards.charts``.
"""
