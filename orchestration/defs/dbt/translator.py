"""How dbt nodes become Dagster assets: keys, groups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

RAW_SCHEMA = "raw"


class CspDbtTranslator(DagsterDbtTranslator):
    """Maps dbt sources in schema ``raw`` to the ingest assets' keys (``["raw", table]``), so
    the ingest assets and the dbt models form one lineage graph; a model, seed or snapshot is
    keyed by its name (``scorecard``, ``fct_crime``, ...); groups are the dbt folders
    (``staging``, ``intermediate``, ``marts``; ``seeds`` for seeds)."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        meta = (dbt_resource_props.get("config") or {}).get("meta") or dbt_resource_props.get(
            "meta", {}
        )
        if (meta.get("dagster") or {}).get("asset_key"):
            return super().get_asset_key(dbt_resource_props)
        if dbt_resource_props["resource_type"] == "source":
            if dbt_resource_props.get("schema") == RAW_SCHEMA or (
                dbt_resource_props.get("source_name") == RAW_SCHEMA
            ):
                table = dbt_resource_props.get("identifier") or dbt_resource_props["name"]
                return dg.AssetKey([RAW_SCHEMA, table])
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        meta = (dbt_resource_props.get("config") or {}).get("meta") or {}
        if (meta.get("dagster") or {}).get("group"):
            return super().get_group_name(dbt_resource_props)
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn") or []
        # fqn = [project, folder, ..., name]; a model at the top of models/ has no folder.
        return fqn[1] if len(fqn) > 2 else "dbt"
