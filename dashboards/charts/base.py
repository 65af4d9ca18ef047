"""Shared chart conventions: one palette, one layout, one way to put a Plotly figure on a page.

Figures are built in Python and rendered with ``include_plotlyjs=False``; the page loads plotly.js from
``static/vendor/plotly/plotly.min.js`` (served from the installed package). Colours are the site's own
(static/css/app.css), colour-blind safe, and every chart has a table behind it on the page.
"""

import plotly.graph_objects as go
import plotly.io as pio
from django.utils.html import format_html
from django.utils.safestring import mark_safe

QUADRANT_COLOURS = {"lead": "#00805f", "build": "#0063a6", "leverage": "#a34700", "monitor": "#55606e"}
QUADRANT_LABELS = {"lead": "Lead", "build": "Build", "leverage": "Leverage", "monitor": "Monitor"}
GROUP_COLOURS = {
    "corporate": "#2f6fed",
    "capital": "#16a34a",
    "government": "#9333ea",
    "academia": "#ea580c",
    "entrepreneurship": "#0891b2",
}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def base_layout(**overrides):
    """The site's layout defaults: system font, white background, light grid, compact margins."""
    layout = {
        "font": {"family": FONT, "size": 13, "color": "#1f2937"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 56, "r": 24, "t": 32, "b": 48},
        "hoverlabel": {"font": {"family": FONT}},
        "xaxis": {"gridcolor": "#e5e7eb", "zerolinecolor": "#d1d5db"},
        "yaxis": {"gridcolor": "#e5e7eb", "zerolinecolor": "#d1d5db"},
    }
    layout.update(overrides)
    return layout


def chart_text(value):
    """Free text (a cluster, party or region name) made safe for a Plotly label.

    Plotly renders a subset of HTML in every label (``<b>``, ``<br>``, ``<a href>``, ``<span style>``), so a name
    containing markup would become a link or styled text in the chart. ``&``, ``<`` and ``>`` are written as the
    entities Plotly shows literally; quotes need no escaping there.
    """
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def figure_html(figure: go.Figure, *, div_id, label):
    """A figure as a safe HTML fragment (no plotly.js inside), labelled for screen readers.

    ``label`` often carries free text (custom cluster names), so it is escaped into the attribute. The figure's
    JSON escapes ``<``, ``>`` and ``/``, so no text ends the script; text Plotly draws goes through ``chart_text``.
    """
    html = pio.to_html(figure, include_plotlyjs=False, full_html=False, div_id=div_id, config=CONFIG)
    return format_html('<div role="img" aria-label="{}" class="chart">{}</div>', label, mark_safe(html))  # noqa: S308
