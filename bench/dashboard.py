"""Benchmark of the region dashboard's server time on PostgreSQL (target: ≤ 150 ms for 67 clusters).

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/dashboard.py [--repeats 30]

It prepares the PostgreSQL database ``clusterplatform_bench`` (as bench/score_run.py does: migrate, reference data;
plus the demo, which scores the two demo audits, and a us-msas region-set run if none exists), then, in-process
with Django's test client signed in as the demo admin, requests

* the public region dashboard of Boston-Cambridge-Newton (CBSA 14460) in us-msas — 67 clusters, and
* the Kendall Square audit's dashboard (its candidate clusters),

once to warm up and ``--repeats`` times measured. It prints the median and p95 server time (request → response,
no network), the number of database queries (asserted constant in tests/dashboards/test_region.py), and as its last
line one JSON object.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/clusterplatform_bench"
TARGET_MS = 150.0


def manage(*args, timeout=900):
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "CELERY_TASK_ALWAYS_EAGER": "true"}
    env.pop("CELERY_BROKER_URL", None)
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def prepare():
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", "clusterplatform_bench"], capture_output=True, check=False
    )
    manage("migrate", "--noinput", "-v", "0")
    manage("load_reference_data", "-v", "0")
    manage("load_demo")
    manage("score_region_set", "--region-set", "us-msas", "--year", "2016")


def measure(client, url, repeats):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm up (template loading, first queries)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "queries": len(queries),
        "bytes": len(response.content),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    options = parser.parse_args(argv)
    load = os.getloadavg()
    prepare()

    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clusterplatform.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from audits.models import Audit
    from regions.models import Region, RegionSet

    client = Client()
    client.force_login(get_user_model().objects.get(username="demo"))
    boston = Region.objects.get(scheme="us-cbsa", code="14460")
    kendall = Audit.objects.filter(region=boston, organisation__slug="demo").order_by("pk").first()
    us_msas = RegionSet.objects.get(slug="us-msas")
    results = {
        "region_dashboard_67_clusters": measure(
            client, reverse("dashboard_region", args=[boston.pk, us_msas.slug]), options.repeats
        ),
        "audit_dashboard": measure(client, reverse("dashboard_audit", args=[kendall.pk]), options.repeats),
    }
    print(f"{'page':32} {'median':>9} {'p95':>9} {'queries':>8} {'bytes':>9}")
    for name, row in results.items():
        print(f"{name:32} {row['median_ms']:>7} ms {row['p95_ms']:>7} ms {row['queries']:>8} {row['bytes']:>9}")
    main_row = results["region_dashboard_67_clusters"]
    summary = {
        "region_dashboard_median_ms": main_row["median_ms"],
        "region_dashboard_p95_ms": main_row["p95_ms"],
        "queries": main_row["queries"],
        "target_ms": TARGET_MS,
        "ratio_to_target": round(main_row["median_ms"] / TARGET_MS, 3),
        "audit_dashboard_median_ms": results["audit_dashboard"]["median_ms"],
        "load_start": ", ".join(f"{v:.2f}" for v in load),
        "load_end": ", ".join(f"{v:.2f}" for v in os.getloadavg()),
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
