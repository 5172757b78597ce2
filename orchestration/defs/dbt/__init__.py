"""dbt models as Dagster assets (dagster-dbt), dbt tests as asset checks, the schedule."""
