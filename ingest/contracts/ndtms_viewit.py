"""NDTMS ViewIt export (OHID's public National Drug Treatment Monitoring System figures), loaded
exactly as published: the comparator a commissioner checks the provider's figures against."""

from __future__ import annotations

from ingest.contracts.base import Column, Contract, RowRule

SEXES = ("M", "F", "Total", "TOTAL")
AGE_GROUPS = ("18-29", "30-49", "50+", "Total", "TOTAL")
#: ViewIt's drug groups as the local authority export writes them.
DRUG_GROUPS = ("Opiate", "Non-opiate only", "Alcohol only", "Non-opiate & alcohol", "Total")
#: The same in upper case, as the England export writes its drug groups.
DRUG_GROUPS_UPPER = tuple(g.upper() for g in DRUG_GROUPS)

#: Every exit reason of the export, `exits_<reason>_allintx`, in the file's order: their sum
#: is all exits of the year.
EXIT_REASONS = (
    "successfulcompletion",
    "died",
    "droppedout",
    "movedaway",
    "noappropriatetreatment",
    "notknown",
    "other",
    "prison",
    "transferrednotincustody",
    "transferredincustody",
    "referredon",
    "treatmentdeclined",
    "treatmentwithdrawn",
    "inconsistent",
)
EXIT_COLUMNS = tuple(f"exits_{r}_allintx" for r in EXIT_REASONS)

#: ViewIt writes a suppressed or not applicable figure as the text `NULL`.
NULL_TEXTS = ("NULL",)


def _figure(header: str, description: str) -> Column:
    """A published count: a whole number (ViewIt rounds to 5), `NULL` or blank for none."""
    return Column(
        header,
        header,
        type="INTEGER",
        min_value=0,
        null_values=NULL_TEXTS,
        description=f"{description} As published (rounded to 5).",
    )


_EXIT_WORDS = {
    "successfulcompletion": "successful completion (drug-free or occasional user)",
    "died": "died",
    "droppedout": "dropped out",
    "movedaway": "moved away",
    "noappropriatetreatment": "no appropriate treatment available",
    "notknown": "reason not known",
    "other": "another reason",
    "prison": "went to prison",
    "transferrednotincustody": "transferred, not in custody",
    "transferredincustody": "transferred, in custody",
    "referredon": "referred on",
    "treatmentdeclined": "treatment declined by the client",
    "treatmentwithdrawn": "treatment withdrawn by the provider",
    "inconsistent": "inconsistent exit data",
}

CONTRACT = Contract(
    name="ndtms_viewit",
    title="NDTMS ViewIt adult treatment figures (OHID, public)",
    description=(
        "OHID's NDTMS ViewIt export for local authorities (`ViewIt Export Data_LAs.csv`), "
        "loaded exactly as published: one row per reporting year, area, sex, age group and "
        "drug group, with a total row for each (`Total`, in some years `TOTAL`). The "
        "national figures a commissioner checks the provider's own (`treatment_episodes`) "
        "against. The export has about 240 columns: the contract pins the identifying ones "
        "and the counts the warehouse uses; every other column is ignored."
    ),
    publisher="Office for Health Improvement and Disparities (NDTMS ViewIt), public",
    columns=(
        Column(
            "reporting_period",
            "ReportingPeriod",
            required=True,
            pattern=r"[0-9]{4}/[0-9]{2}",
            pattern_hint="YYYY/YY reporting year, e.g. 2012/13",
            description=(
                "The reporting (financial) year, 1 April to 31 March, `YYYY/YY`: the row's "
                "period, named by its last month (2012/13 is 2013-03)."
            ),
        ),
        Column(
            "area",
            "Area",
            required=True,
            description=(
                "The area the figures are for, by name as ViewIt writes it (a local "
                "authority, e.g. `Barnet`): the file's scope."
            ),
        ),
        Column(
            "sex",
            "sex",
            required=True,
            accepted=SEXES,
            description="`M`, `F` or the total of both (`Total`, in some years `TOTAL`).",
        ),
        Column(
            "age_group",
            "age_group",
            required=True,
            accepted=AGE_GROUPS,
            description="`18-29`, `30-49`, `50+` or the total (`Total`, in some years `TOTAL`).",
        ),
        Column(
            "drug_group",
            "drug_group",
            required=True,
            accepted=DRUG_GROUPS + DRUG_GROUPS_UPPER,
            description=(
                "NDTMS drug group: `Opiate`, `Non-opiate only`, `Alcohol only`, `Non-opiate & "
                "alcohol` or the total (`Total`); the same in upper case is accepted."
            ),
        ),
        _figure(
            "intreatment_allintx",
            "Adults in structured treatment at some time in the year (all in treatment).",
        ),
        _figure(
            "newpresentation_newtx",
            "Adults who started a new treatment journey in the year (new presentations).",
        ),
        *(
            _figure(col, f"Adults who left treatment in the year: {_EXIT_WORDS[reason]}.")
            for reason, col in zip(EXIT_REASONS, EXIT_COLUMNS, strict=True)
        ),
    ),
    period_sql="(CAST(left(reporting_period, 4) AS INTEGER) + 1)::VARCHAR || '-03'",
    period_description=(
        "the reporting year's last month, `YYYY-03` (`ReportingPeriod` 2012/13 is 2013-03)"
    ),
    scope_columns=("area",),
    cadence="annual",
    lag_days=270,
    file_pattern=(
        "<YYYY-MM>-ndtms-viewit[-<label>].csv, YYYY-MM the month the latest reporting year "
        "ends (e.g. 2022-03-ndtms-viewit-las.csv), or ViewIt Export Data_LAs.csv as "
        "downloaded (csp load)"
    ),
    formats=("csv",),
    row_rules=(
        RowRule(
            "reporting_period",
            "TRY_CAST(right(reporting_period, 2) AS INTEGER) "
            "<> (TRY_CAST(left(reporting_period, 4) AS INTEGER) + 1) % 100",
            "not one reporting year: the second year is not the first + 1 (e.g. 2012/13)",
        ),
    ),
    notes=(
        "Figures are published rounded to 5, and `NULL` where not published: kept as "
        "published (`NULL` loads as NULL), never recomputed.",
        "The total rows are written `Total` in most years and `TOTAL` in others (2021/22 of "
        "the Barnet export): both are kept as published; staging lower-cases them.",
        "Each export restates the earlier years: a file replaces the rows of every reporting "
        "year and area it holds.",
        "Only the columns above are loaded; the export's other columns (ethnicity, "
        "disability, length in treatment, ...) are ignored, with one warning naming how many.",
    ),
)
