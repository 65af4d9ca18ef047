"""The demo tenant, a consultant's second client organisation, and the demo users with their roles.

The demo password is public by design (it is printed by ``load_demo`` and written in the README): never load
the demo on a site reachable by others without overriding it with ``--password``.
"""

from core.models import Role

DEMO_SLUG = "demo"
CONSULTANCY_SLUG = "demo-consultancy-client"

DEFAULT_USERNAME = "demo"
DEFAULT_PASSWORD = "cluster-demo-2026"  # noqa: S105 - public by design, printed by load_demo

ORGANISATIONS = [
    {
        "slug": DEMO_SLUG,
        "name": "Demo Cluster Partnership",
        "description": (
            "A demonstration organisation. Its two audits tell the stories the platform was conceived from: "
            "Boston-Cambridge / Kendall Square (biotech and deep tech) and the West Midlands ProfTech roadmap "
            "(FinTech + PropTech + LegalTech). The organisations, places and public figures in them are real; "
            "values marked illustrative or approximate are demo inputs, not published statistics."
        ),
    },
    {
        "slug": CONSULTANCY_SLUG,
        "name": "Northfield Economic Advisory (demo client)",
        "description": (
            "A second, fictional client organisation, so that the demo consultant can switch between "
            "organisations. It has no audits yet."
        ),
    },
]


def users(*, admin_username=DEFAULT_USERNAME):
    """The demo users: an admin (the printed login), an officer, a reviewer, a viewer and a consultant."""
    return [
        {
            "key": "admin",
            "username": admin_username,
            "first_name": "Dana",
            "last_name": "Demo",
            "email": f"{admin_username}@demo.example.org",
            "memberships": [(DEMO_SLUG, Role.ADMIN)],
        },
        {
            "key": "officer",
            "username": "demo-officer",
            "first_name": "Owen",
            "last_name": "Officer",
            "email": "demo-officer@demo.example.org",
            "memberships": [(DEMO_SLUG, Role.OFFICER)],
        },
        {
            "key": "reviewer",
            "username": "demo-reviewer",
            "first_name": "Rita",
            "last_name": "Reviewer",
            "email": "demo-reviewer@demo.example.org",
            "memberships": [(DEMO_SLUG, Role.REVIEWER)],
        },
        {
            "key": "viewer",
            "username": "demo-viewer",
            "first_name": "Victor",
            "last_name": "Viewer",
            "email": "demo-viewer@demo.example.org",
            "memberships": [(DEMO_SLUG, Role.VIEWER)],
        },
        {
            "key": "consultant",
            "username": "demo-consultant",
            "first_name": "Carla",
            "last_name": "Consultant",
            "email": "demo-consultant@demo.example.org",
            "memberships": [(DEMO_SLUG, Role.OFFICER), (CONSULTANCY_SLUG, Role.ADMIN)],
        },
    ]
