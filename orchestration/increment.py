"""What a build runs when only new files changed since the last good build.

A dbt model is a function of its upstream models, seeds, sources and code, of the publish
history (``stg_publish__history`` reads the files each publish writes) and of the clock
(the history's last month; the status day). When the code and the history month are those of
the last good build and nothing but this build's ingest wrote to the warehouse since
(``orchestration.build_state.increment_of``), every model that is not downstream of a
source that received rows, of the publish history or (on another status day) of a model
that reads the status day would be rebuilt to exactly what it holds. So ``csp build`` runs
``build_and_publish_job`` on the assets downstream of those only: dagster-dbt selects their
dbt models, and dbt's tests of them run as always (eager indirect selection). The publish,
Superset's refresh and the docs follow as in every build. ``csp build --force`` builds all.

A model that reads the status day (``status_as_of()``, ``current_date``) carries the dbt tag
``status_day`` (checked by ``tests/unit/test_orchestration_definitions.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: dbt tag (a Dagster asset tag with an empty value) of the models that read the status day.
STATUS_DAY_TAG = "status_day"
#: The model that reads the publish history: every publish adds to what it reads.
HISTORY_MODEL = "stg_publish__history"
#: Ingest assets, ``raw/<source>``: roots of the selection, never run by the build job.
INGEST_GROUP = "ingest"


def increment_assets(defs: Any, sources: Iterable[str], status_day_moved: bool) -> list[Any]:
    """The asset keys of ``build_and_publish_job`` a build runs when only ``sources``
    received rows (and, with ``status_day_moved``, the status day moved within the month)."""
    import dagster as dg

    roots = dg.AssetSelection.assets(
        dg.AssetKey(HISTORY_MODEL), *(dg.AssetKey(["raw", s]) for s in sorted(set(sources)))
    )
    if status_day_moved:
        roots = roots | dg.AssetSelection.tag(STATUS_DAY_TAG, "")
    selection = roots.downstream() - dg.AssetSelection.groups(INGEST_GROUP)
    return sorted(selection.resolve(defs.resolve_asset_graph()), key=lambda k: k.path)
