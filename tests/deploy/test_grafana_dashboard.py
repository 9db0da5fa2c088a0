"""deploy/grafana-dashboard.json is valid and charts only metrics Hiccup exposes."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).parents[2]


def exposed() -> set[str]:
    # Named where the scrape's text is built (server/prometheus_text.py today).
    source = "".join(p.read_text() for p in (ROOT / "src/hiccup/server").glob("*.py"))
    names = set(re.findall(r'"(hiccup_[a-z_]+)"', source))
    suffixes = ("_total", "_bucket", "_count", "_sum", "_info")
    return names | {name + suffix for name in names for suffix in suffixes}


def test_the_dashboard_queries_only_exposed_metrics() -> None:
    dashboard = json.loads((ROOT / "deploy/grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {name for expr in exprs for name in re.findall(r"\bhiccup_[a-z_]+", expr)}
    assert used, "the dashboard charts nothing"
    assert used <= exposed(), sorted(used - exposed())
