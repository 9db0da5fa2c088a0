"""The start-up heap, kept out of the garbage collector's full passes.

By the time the server runs, its modules, app, routes, templates and config are loaded: about
170,000 objects the collector tracks, which live as long as the process. Python's collector
walks every tracked object in each full (generation 2) pass, which the churn of checks
triggers now and then; one pass took 0.1-0.16 s of CPU, and in a 40 s profile at 1,000
monitors one such pass was about a tenth of the main thread's busy time (py-spy --native,
bench/serve.py). Frozen, they are never walked again; objects made afterwards are collected
as before.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> int:
    """Collect start-up garbage, then move what survives to the permanent generation; returns
    how many objects were frozen. Run once, when start-up is done, in the server process only
    (tests that start many servers in one process would keep each one's cycles forever)."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
