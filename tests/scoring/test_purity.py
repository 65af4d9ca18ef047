"""The engine is pure: every module of ``scoring/`` imports with Django, DRF and Celery absent. No database."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("django", "rest_framework", "celery")

PROBE = f"""
import importlib, json, pkgutil, sys
import scoring
names = sorted(m.name for m in pkgutil.walk_packages(scoring.__path__, "scoring."))
for name in names:
    importlib.import_module(name)
loaded = sorted({{k.split(".")[0] for k in sys.modules}} & set({FRAMEWORKS!r}))
print(json.dumps({{"modules": names, "frameworks": loaded}}))
"""


def test_every_engine_module_imports_without_django():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    on_disk = sorted(
        "scoring." + ".".join(path.relative_to(REPO / "scoring").with_suffix("").parts)
        for path in (REPO / "scoring").rglob("*.py")
        if path.name != "__init__.py"
    )
    assert [name for name in report["modules"] if name in on_disk] == on_disk  # every module was imported
    assert report["frameworks"] == []
