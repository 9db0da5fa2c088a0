"""`hiccup serve` answers /metrics to Prometheus with the token or from an allowed network,
and refuses everyone else."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

import hiccup
from tests.support.serve_process import HiccupServe
from tests.support.targets import reserve_port

TOKEN = "scrape-me-4f2a9c"
CONFIG = """\
page: {{name: Flexo Hosting}}
components:
  - {{name: flexo, key: flexo}}
monitors:
  - {{name: own health, key: health, kind: http, target: "http://127.0.0.1:{port}/healthz",
     interval: 1s, component: flexo}}
  - {{name: closed port, key: closed, kind: tcp, target: "127.0.0.1:{closed}", interval: 1s}}
{metrics}
"""


@contextmanager
def serving(tmp_path: Path, metrics: str) -> Iterator[str]:
    served = HiccupServe(tmp_path, env={"METRICS_TOKEN": TOKEN})
    served.write_config(CONFIG.format(port=served.port, closed=reserve_port(), metrics=metrics))
    with served.serving():
        yield served.base


def families(text: str) -> dict[str, Metric]:
    return {family.name: family for family in text_string_to_metric_families(text)}


def value(family: Metric, suffix: str = "", **labels: str) -> float:
    for sample in family.samples:
        if sample.name == family.name + suffix and labels.items() <= sample.labels.items():
            return sample.value
    raise AssertionError(f"no {family.name}{suffix} sample with {labels}")


def scrape_until_checked(base: str) -> dict[str, Metric]:
    headers = {"authorization": f"Bearer {TOKEN}"}
    deadline = time.monotonic() + 30
    while True:
        response = httpx.get(base + "/metrics", headers=headers, timeout=5)
        assert response.status_code == 200
        found = families(response.text)
        checks = [s.value for s in found["hiccup_checks"].samples if s.name.endswith("_total")]
        if (len(checks) == 2 and min(checks) >= 2) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_it_serves_prometheus_metrics_to_a_scraper_with_the_token(tmp_path: Path) -> None:
    with serving(tmp_path, "metrics: {token_env: METRICS_TOKEN}") as base:
        assert httpx.get(base + "/metrics").status_code == 401
        wrong = {"authorization": "Bearer not-the-token"}
        assert httpx.get(base + "/metrics", headers=wrong).status_code == 401
        found = scrape_until_checked(base)
    build = found["hiccup_build_info"].samples[0]
    assert build.labels["version"] == hiccup.__version__
    assert value(found["hiccup_checks"], "_total", monitor="own health") >= 2
    assert value(found["hiccup_check_failures"], "_total", monitor="own health") == 0
    assert value(found["hiccup_check_failures"], "_total", monitor="closed port") >= 2
    latency = found["hiccup_check_latency_seconds"]
    assert value(latency, "_count", monitor="own health") >= 2
    assert value(latency, "_bucket", monitor="own health", le="+Inf") >= 2
    assert value(found["hiccup_monitor_state"], state="down", monitor="own health") == 0
    assert value(found["hiccup_scheduler_skipped_slots"], "_total") == 0
    assert value(found["hiccup_scheduler_unreliable_results"], "_total") >= 0
    assert value(found["hiccup_outbox_readable"]) == 1
    assert 0 <= value(found["hiccup_snapshot_age_seconds"]) < 120
    assert value(found["hiccup_database_errors"], "_total") == 0
    assert "hiccup_scheduler_lateness_seconds" in found
    assert "hiccup_outbox_oldest_age_seconds" in found


def test_metrics_are_closed_to_everyone_without_a_metrics_section(tmp_path: Path) -> None:
    with serving(tmp_path, "") as base:
        token = {"authorization": f"Bearer {TOKEN}"}
        assert httpx.get(base + "/metrics").status_code == 403
        assert httpx.get(base + "/metrics", headers=token).status_code == 403


def test_an_allowed_network_scrapes_without_a_token(tmp_path: Path) -> None:
    with serving(tmp_path, "metrics: {allow_networks: [127.0.0.0/8]}") as base:
        response = httpx.get(base + "/metrics")
    assert response.status_code == 200
    assert "hiccup_build_info" in families(response.text)
