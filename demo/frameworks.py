"""Priority frameworks used by the demo audits.

Cluster keys: a number is a Delgado–Porter–Stern benchmark cluster code ("16" Financial Services), anything
else the slug of a public custom cluster ("fintech").
"""

UK_INDUSTRIAL_STRATEGY = "uk-industrial-strategy-2025"
WM_PROFTECH_ROADMAP = "west-midlands-proftech-roadmap"
MASSACHUSETTS_LIFE_SCIENCES = "massachusetts-life-sciences-priorities"

# Public: shared by every organisation. The eight growth-driving sectors ("IS-8") of the UK's modern
# Industrial Strategy (June 2025), mapped to the clusters that fall in them. PropTech is not named by the
# strategy; it is mapped at half weight to Digital and Technologies as an application of digital technology.
PUBLIC = [
    {
        "slug": UK_INDUSTRIAL_STRATEGY,
        "name": "UK Industrial Strategy (2025)",
        "publisher": "HM Government (Department for Business and Trade)",
        "year": 2025,
        "source_url": "https://www.gov.uk/government/publications/industrial-strategy",
        "items": [
            {"cluster": "fintech", "label": "Financial Services", "weight": 1.0},
            {"cluster": "legaltech", "label": "Professional and Business Services", "weight": 1.0},
            {"cluster": "proptech", "label": "Digital and Technologies", "weight": 0.5},
            {"cluster": "proftech", "label": "Financial Services; Professional and Business Services", "weight": 1.0},
            {"cluster": "uk-high-tech", "label": "Digital and Technologies", "weight": 1.0},
            {"cluster": "16", "label": "Financial Services", "weight": 1.0},
            {"cluster": "6", "label": "Professional and Business Services", "weight": 1.0},
            {"cluster": "23", "label": "Digital and Technologies", "weight": 1.0},
            {"cluster": "5", "label": "Life Sciences", "weight": 1.0},
            {"cluster": "30", "label": "Life Sciences", "weight": 1.0},
            {"cluster": "1", "label": "Defence", "weight": 1.0},
            {"cluster": "4", "label": "Advanced Manufacturing", "weight": 1.0},
            {"cluster": "14", "label": "Clean Energy Industries", "weight": 1.0},
            {"cluster": "48", "label": "Creative Industries", "weight": 1.0},
        ],
    },
]

# Owned by the demo organisation: its own reading of a regional roadmap and of a state programme.
ORGANISATION = [
    {
        "slug": WM_PROFTECH_ROADMAP,
        "name": "West Midlands ProfTech roadmap",
        "publisher": "SuperTech (West Midlands)",
        "year": None,
        "source_url": "https://www.supertechwm.com/news/how-to-grow-a-regional-economy-and-the-role-of-proftech",
        "items": [
            {"cluster": "proftech", "label": "ProfTech (the convergence cluster)", "weight": 1.0},
            {"cluster": "fintech", "label": "FinTech", "weight": 1.0},
            {"cluster": "legaltech", "label": "LegalTech", "weight": 1.0},
            {"cluster": "proptech", "label": "PropTech", "weight": 1.0},
            {"cluster": "uk-high-tech", "label": "Enabling tech sector", "weight": 0.5},
        ],
    },
    {
        "slug": MASSACHUSETTS_LIFE_SCIENCES,
        "name": "Massachusetts life sciences priorities (Mass Leads Act, 2024)",
        "publisher": "Commonwealth of Massachusetts",
        "year": 2024,
        "source_url": "https://www.masslifesciences.com/about/",
        "items": [
            {"cluster": "5", "label": "Life Sciences Initiative: biopharma", "weight": 1.0},
            {"cluster": "30", "label": "Life Sciences Initiative: medical devices", "weight": 1.0},
            {"cluster": "23", "label": "Life Sciences Initiative: data science and digital health", "weight": 0.5},
            {"cluster": "13", "label": "Research and talent", "weight": 0.5},
        ],
    },
]
