"""Every table module, imported so `metadata` knows them all (migrations, tests).

Add one import line per new `tables_<area>.py` module.
"""

from hiccup.store import (
    tables,  # noqa: F401
    tables_accounts,  # noqa: F401
    tables_cluster,  # noqa: F401
    tables_heartbeats,  # noqa: F401
    tables_history,  # noqa: F401
    tables_maintenance,  # noqa: F401
    tables_notify,  # noqa: F401
    tables_probes,  # noqa: F401
    tables_results,  # noqa: F401
    tables_revisions,  # noqa: F401
)
from hiccup.store.tables import metadata

__all__ = ["metadata"]
