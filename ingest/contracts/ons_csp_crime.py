"""Police recorded crime by Community Safety Partnership: the Home Office open data table, in
its published shape. The counts peer (Most Similar Group) comparisons are made from."""

from __future__ import annotations

from ingest.contracts.base import Column, Contract, RowRule

CONTRACT = Contract(
    name="ons_csp_crime",
    title="Police recorded crime by Community Safety Partnership (Home Office open data)",
    description=(
        "The Home Office's open data table \"police recorded crime by Community Safety "
        'Partnership", loaded exactly as published: one row per financial year, quarter, '
        "CSP and offence (Home Office offence code), with the number of offences. Published "
        "as a workbook of one sheet per financial year (every sheet that has the header is "
        "read) or as the CSV of it; header row, columns in any order, title rows above the "
        "header allowed in a workbook."
    ),
    publisher="Home Office (police recorded crime open data tables), public",
    columns=(
        Column(
            "financial_year",
            "Financial Year",
            required=True,
            pattern=r"[0-9]{4}/[0-9]{2}",
            pattern_hint="YYYY/YY financial year, e.g. 2019/20",
            description=(
                "The financial year, 1 April to 31 March, `YYYY/YY` (e.g. `2019/20`), as published."
            ),
        ),
        Column(
            "financial_quarter",
            "Financial Quarter",
            type="INTEGER",
            required=True,
            min_value=1,
            max_value=4,
            description=(
                "The quarter of the financial year, `1` to `4` (1 = April-June, 4 = "
                "January-March); with the year, the row's period, named by the quarter's last "
                "month."
            ),
        ),
        Column(
            "force_name",
            "Force Name",
            required=True,
            description="The police force area the CSP is in, by name as published.",
        ),
        Column(
            "csp_name",
            "CSP Name",
            required=True,
            reference=("areas.csv", "csp_name"),
            reference_what="CSP name",
            description=(
                "The Community Safety Partnership, by name as the Home Office publishes it "
                "(the table has no code): must be the name of a CSP of seeds/areas.csv (the "
                "ONS 2017 district → CSP lookup), which gives its code; a name not there "
                "rejects the file. The file's scope."
            ),
        ),
        Column(
            "offence_description",
            "Offence Description",
            required=True,
            description="The Home Office offence description, as published.",
        ),
        Column(
            "offence_group",
            "Offence Group",
            required=True,
            description=(
                "The Home Office offence group (e.g. `Violence against the person`, "
                "`Theft offences`), as published."
            ),
        ),
        Column(
            "offence_subgroup",
            "Offence Subgroup",
            required=True,
            description=(
                "The Home Office offence subgroup (e.g. `Violence with injury`, `Vehicle "
                "offences`), as published: seeds/ons_offence_measures.csv maps groups and "
                "subgroups to the catalogue's measures."
            ),
        ),
        Column(
            "offence_code",
            "Offence Code",
            required=True,
            description=(
                "The Home Office offence code (e.g. `8N`, `105A`, `37/2`), kept as text as "
                "published."
            ),
        ),
        Column(
            "number_of_offences",
            "Number of Offences",
            type="INTEGER",
            required=True,
            description=(
                "Offences recorded in the quarter for the CSP and offence: a whole number, "
                "kept as published."
            ),
        ),
    ),
    period_sql=(
        "strftime(make_date(TRY_CAST(left(financial_year, 4) AS INTEGER), 4, 1) "
        "+ to_months(3 * financial_quarter - 1), '%Y-%m')"
    ),
    period_description=(
        "the quarter's last month, `YYYY-MM` (`Financial Year` 2019/20, `Financial Quarter` "
        "1 is 2019-06; quarter 4 is 2020-03)"
    ),
    scope_columns=("csp_name",),
    cadence="quarterly",
    lag_days=120,
    file_pattern="<YYYY-YY>-Q<n>-ons-csp-crime.csv, or the workbook or CSV as downloaded",
    formats=("csv", "xlsx"),
    xlsx_all_sheets=True,
    row_rules=(
        RowRule(
            "financial_year",
            "TRY_CAST(right(financial_year, 2) AS INTEGER) "
            "<> (TRY_CAST(left(financial_year, 4) AS INTEGER) + 1) % 100",
            "not one financial year: the second year is not the first + 1 (e.g. 2019/20)",
        ),
    ),
    notes=(
        "Each release restates the quarters it holds: a file replaces the rows of every "
        "quarter and CSP it holds (the replaced rows are kept in `raw.ons_csp_crime__superseded`).",
        "A workbook is read sheet by sheet (one per financial year); a sheet with none of the "
        "columns (a cover or notes sheet) is skipped with a warning, and an error names the "
        "file, the sheet and the sheet's own row.",
        "CSP names are matched exactly to the ONS 2017 lookup's (`Milton Keynes`, `Medway`, "
        "`Bristol, City of`): a CSP the lookup names otherwise, or one created or merged after "
        "2017, rejects the file with its row, until seeds/areas.csv knows it. seeds/areas.csv "
        "holds England's CSPs and only two Welsh ones, so a table for England and Wales is "
        "rejected on its first other Welsh CSP: load the English rows.",
        "Which offences count into which measure is the seed ons_offence_measures.csv, by "
        "offence group and subgroup; the rank among peers is dbt's `peer_ranking`.",
    ),
)
