"""The demo organisation, users and the two demo audits (Kendall Square and West Midlands ProfTech).

``load_demo`` calls :func:`demo.loader.demo_load`; the data itself is plain Python in the
sibling modules so that it can be read and reviewed like a document.
"""
