"""Local partner extracts: every source of extracts.md other than the police ones.

Each is written per CSP (with a `csp_code` column) and per period; snapshot-style sources
(treatment episodes, court orders, the IOM cohort) carry an `extract_month` column: the
month at whose end the extract was taken, so a newer extract replaces the older one.
Source names and headers come from `sources.py`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest.template import partner_return_indicators

from .config import DemoCsp
from .context import (
    DEFAULT_SEEDS_DIR,
    Context,
    dates_to_str,
    days_in,
    fy_label,
    fy_start_date,
    month_end,
    month_start,
    seasonal,
)
from .sources import (
    ASB_COUNCIL,
    COURT_ORDERS,
    DV_INCIDENTS,
    FIRE_INCIDENTS,
    INDICATOR_RETURNS,
    IOM_COHORT,
    IOM_CONVICTIONS,
    MARAC_CASES,
    NDTMS_VIEWIT,
    PROBATION_EVENTS,
    TREATMENT_EPISODES,
)

YN = np.array(["N", "Y"])


def _monthly_counts(ctx: Context, rng, base: float, amp: float = 0.0, peak: int = 7):
    lam = base * ctx.scale * seasonal(ctx.months, amp, peak)
    lam *= np.array([days_in(m) for m in ctx.months]) / 30.44
    return rng.poisson(lam)


def _dates_in_month(rng, month: str, n: int) -> np.ndarray:
    return np.sort(month_start(month) + rng.integers(0, days_in(month), n))


def _lsoa_pick(ctx: Context, rng, csp: DemoCsp, n: int) -> np.ndarray:
    lsoas = ctx.ref.lsoas(csp.code).lsoa_code.to_numpy()
    w = ctx.rng("lsoa", csp.code).lognormal(0.0, 0.8, len(lsoas))
    return lsoas[rng.choice(len(lsoas), size=n, p=w / w.sum())]


def _repeat_ids(rng, n: int, p_repeat: float, window: float) -> tuple[np.ndarray, np.ndarray]:
    """Person ids in time order where a share are repeats of a recent earlier person."""
    new = rng.random(n) >= p_repeat
    new[:1] = True
    k = np.cumsum(new)
    back = rng.geometric(1.0 / window, size=n)
    ids = np.where(new, k, np.maximum(k - back, 1))
    return ids, ~new


def _name(month_or_q: str, csp: DemoCsp, source: str, ext: str = "csv") -> str:
    return f"{month_or_q}-{csp.slug}-{source.replace('_', '-')}.{ext}"


# --- domestic abuse incidents (police) ------------------------------------------------------
def write_dv_incidents(ctx: Context, csp: DemoCsp) -> None:
    rng = ctx.rng(DV_INCIDENTS, csp.code)
    counts = _monthly_counts(ctx, rng, 480 * ctx.size_factor(csp), 0.08, 7)
    ids, repeat = _repeat_ids(rng, int(counts.sum()), 0.45, 250)
    ci = ctx.csp_index(csp)
    pos = 0
    for month, n in zip(ctx.months, counts, strict=True):
        sl = slice(pos, pos + n)
        pos += n
        child = rng.random(n) < 0.49
        kids = np.where(child, rng.choice([1, 2, 3, 4], size=n, p=[0.45, 0.33, 0.15, 0.07]), 0)
        seq = np.arange(1, n + 1)
        frame = pd.DataFrame(
            {
                "incident_ref": [f"DV{ci}-{month.replace('-', '')}-{s:05d}" for s in seq],
                "incident_date": dates_to_str(_dates_in_month(rng, month, n)),
                "csp_code": csp.code,
                "victim_ref": [f"V{ci}{5000000 + i:07d}" for i in ids[sl]],
                "repeat_flag": YN[repeat[sl].astype(int)],
                "child_present": YN[child.astype(int)],
                "number_of_children": kids,
            }
        )
        ctx.write_csv(DV_INCIDENTS, _name(month, csp, DV_INCIDENTS), frame, [month])


# --- MARAC cases --------------------------------------------------------------------------
AGENCIES = ["Police", "IDVA", "Health", "Children's Social Care", "Probation", "Housing", "Other"]
AGENCY_P = [0.48, 0.2, 0.1, 0.1, 0.04, 0.04, 0.04]
AGE_BANDS = ["16-17", "18-24", "25-34", "35-44", "45-54", "55+"]
AGE_BAND_P = [0.03, 0.22, 0.33, 0.24, 0.12, 0.06]


#: Share of MARAC cases heard again within a year (SafeLives' national repeat rate is ~30%).
MARAC_REPEAT = 0.25
#: Share of cases the coordinator flags as repeats from a MARAC outside the data (another
#: area's): the warehouse cannot derive those, so the repeat-flag check shows a little
#: disagreement, as it would for real.
MARAC_REPEAT_ELSEWHERE = 0.02


def write_marac_cases(ctx: Context, csp: DemoCsp) -> None:
    rng = ctx.rng(MARAC_CASES, csp.code)
    counts = _monthly_counts(ctx, rng, 20 * ctx.size_factor(csp))
    ci = ctx.csp_index(csp)
    # a repeat is heard again a few months after the earlier case (~20 cases a month: 40
    # cases back is about two months), so the coordinator's flag is what the files show
    ids, repeat = _repeat_ids(rng, int(counts.sum()), MARAC_REPEAT, 40)
    elsewhere = ~repeat & (rng.random(len(ids)) < MARAC_REPEAT_ELSEWHERE)
    pos = 0
    for month, n in zip(ctx.months, counts, strict=True):
        sl = slice(pos, pos + n)
        pos += n
        first = month_start(month)
        # two meetings a month: the first and third Thursday
        weekday = (int(first.astype("datetime64[D]").astype("int64")) + 3) % 7  # Monday = 0
        thursday = first + (3 - weekday) % 7
        meetings = np.array([thursday, thursday + 14])
        gender = rng.choice(["female", "male", "other"], size=n, p=[0.93, 0.065, 0.005])
        frame = pd.DataFrame(
            {
                "case_ref": [f"MA{ci}-{month.replace('-', '')}-{i + 1:03d}" for i in range(n)],
                "marac_date": dates_to_str(np.sort(rng.choice(meetings, size=n))),
                "csp_code": csp.code,
                # MARAC hears the highest-risk victims of the police's incidents: same ids
                "victim_ref": [f"V{ci}{5000000 + i:07d}" for i in ids[sl]],
                "referring_agency": rng.choice(AGENCIES, size=n, p=AGENCY_P),
                "repeat_flag": YN[(repeat[sl] | elsewhere[sl]).astype(int)],
                "victim_gender": gender,
                "victim_age_band": rng.choice(AGE_BANDS, size=n, p=AGE_BAND_P),
                "children_in_household": rng.choice(5, size=n, p=[0.4, 0.25, 0.2, 0.1, 0.05]),
                "idva_engaged": YN[(rng.random(n) < 0.7).astype(int)],
            }
        )
        ctx.write_csv(MARAC_CASES, _name(month, csp, MARAC_CASES), frame, [month])


# --- fire incidents -----------------------------------------------------------------------
FIRE_TYPES = [
    # type, base per month, seasonal amp, peak, p_deliberate, property types and weights
    (
        "primary fire",
        36,
        0.1,
        7,
        0.22,
        {
            "dwelling": 0.45,
            "non-residential": 0.22,
            "road vehicle": 0.28,
            "other residential": 0.05,
        },
    ),
    (
        "secondary fire",
        48,
        0.5,
        5,
        0.65,
        {
            "grassland / woodland": 0.3,
            "refuse": 0.45,
            "outdoor structure": 0.15,
            "other outdoor": 0.1,
        },
    ),
    ("chimney fire", 2, 0.8, 1, 0.0, {"dwelling": 1.0}),
    (
        "false alarm malicious",
        6,
        0.15,
        7,
        1.0,
        {"dwelling": 0.3, "non-residential": 0.3, "other outdoor": 0.4},
    ),
    (
        "false alarm good intent",
        45,
        0.2,
        7,
        0.0,
        {"dwelling": 0.35, "non-residential": 0.25, "other outdoor": 0.4},
    ),
    (
        "false alarm apparatus",
        70,
        0.05,
        1,
        0.0,
        {"dwelling": 0.45, "non-residential": 0.45, "other residential": 0.1},
    ),
]


def write_fire_incidents(ctx: Context, csp: DemoCsp) -> None:
    rng = ctx.rng(FIRE_INCIDENTS, csp.code)
    f = ctx.size_factor(csp)
    per_type = [_monthly_counts(ctx, rng, b * f, a, p) for _, b, a, p, _, _ in FIRE_TYPES]
    ci = ctx.csp_index(csp)
    for mi, month in enumerate(ctx.months):
        parts = []
        for (ftype, _, _, _, p_del, props), counts in zip(FIRE_TYPES, per_type, strict=True):
            n = counts[mi]
            if ftype.startswith("false alarm"):
                motive = np.full(n, "deliberate" if p_del == 1.0 else "accidental", dtype=object)
            else:
                u = rng.random(n)
                motive = np.where(
                    u < p_del, "deliberate", np.where(u < 0.96, "accidental", "not known")
                )
            parts.append(
                pd.DataFrame(
                    {
                        "incident_type": ftype,
                        "motive": motive,
                        "property_type": rng.choice(list(props), size=n, p=list(props.values())),
                    }
                )
            )
        frame = pd.concat(parts, ignore_index=True)
        n = len(frame)
        day = month_start(month) + rng.integers(0, days_in(month), n)
        hour = rng.choice(24, size=n, p=_HOUR_P)
        secs = hour * 3600 + rng.integers(0, 3600, n)
        ts = day.astype("datetime64[s]") + secs.astype("timedelta64[s]")
        order = np.argsort(ts, kind="stable")
        frame = frame.iloc[order].reset_index(drop=True)
        ts = np.datetime_as_string(ts[order], unit="s")
        frame.insert(
            0, "incident_ref", [f"FI{ci}-{month.replace('-', '')}-{i + 1:04d}" for i in range(n)]
        )
        frame.insert(1, "incident_datetime", np.char.replace(ts.astype(str), "T", " "))
        frame.insert(2, "csp_code", csp.code)
        frame["lsoa_code"] = _lsoa_pick(ctx, rng, csp, n)
        ctx.write_csv(FIRE_INCIDENTS, _name(month, csp, FIRE_INCIDENTS), frame, [month])


_HOUR_P = np.array(
    [3, 2, 2, 1.5, 1.5, 1.5, 2, 3, 4, 4, 4, 4, 4.5, 5, 5, 5.5, 6, 6.5, 7, 7, 6.5, 5.5, 4.5, 3.5]
)
_HOUR_P = _HOUR_P / _HOUR_P.sum()


# --- council ASB reports ------------------------------------------------------------------
ASB_CATEGORIES = {
    "noise": 0.24,
    "nuisance neighbours": 0.12,
    "fly-tipping": 0.30,
    "graffiti": 0.06,
    "abandoned vehicle": 0.06,
    "dog fouling": 0.05,
    "youth nuisance": 0.08,
    "drug related": 0.04,
    "vandalism": 0.05,
}


#: The CSP whose council sends no ASB return for the last two months of the range (its
#: system is being replaced), so a source is overdue for one partner and scope.
ASB_LATE_CSP = "E22000143"  # Medway


def write_asb_council(ctx: Context, csp: DemoCsp) -> None:
    """Council exports: UTF-8 with BOM and CRLF. One month is restated: fly-tipping reports
    logged late by the clearance contractor are backdated into it (seed 000). One return is
    late: Medway sends nothing for the last two months (listed in the manifest's `late`)."""
    rng = ctx.rng(ASB_COUNCIL, csp.code)
    counts = _monthly_counts(ctx, rng, 270 * ctx.size_factor(csp), 0.2, 7)
    callers, repeat = _repeat_ids(rng, int(counts.sum()), 0.3, 120)
    ci = ctx.csp_index(csp)
    restate_month = ctx.months[max(len(ctx.months) - 3, 0)] if csp == ctx.csps[0] else None
    missing = ctx.months[-2:] if csp.code == ASB_LATE_CSP else []
    if missing:
        ctx.late.append(
            {
                "source": ASB_COUNCIL,
                "scope": csp.code,
                "missing_from": missing[0],
                "reason": "council ASB system replacement: no return yet",
            }
        )
    pos = 0
    for month, n in zip(ctx.months, counts, strict=True):
        sl = slice(pos, pos + n)
        pos += n
        cat = rng.choice(list(ASB_CATEGORIES), size=n, p=list(ASB_CATEGORIES.values()))
        officer = np.where(cat == "fly-tipping", 0.35, 0.08)
        u = rng.random(n)
        channel = np.where(
            u < officer, "officer", np.where(u < officer + 0.42, "hotline", "online")
        )
        caller = np.array([f"C{ci}{i:06d}" for i in callers[sl]], dtype=object)
        caller[channel == "officer"] = ""
        surveyed = (rng.random(n) < 0.2) & (channel != "officer")
        sat = np.where(rng.random(n) < 0.86, "satisfied", "not satisfied").astype(object)
        sat[~surveyed] = ""
        lsoa = _lsoa_pick(ctx, rng, csp, n).astype(object)
        lsoa[rng.random(n) < 0.03] = ""
        frame = pd.DataFrame(
            {
                "report_ref": [f"ASB{ci}-{month.replace('-', '')}-{i + 1:04d}" for i in range(n)],
                "report_date": dates_to_str(_dates_in_month(rng, month, n)),
                "csp_code": csp.code,
                "category": cat,
                "lsoa_code": lsoa,
                "channel": channel,
                "caller_ref": caller,
                "risk_level": rng.choice(["standard", "medium", "high"], n, p=[0.85, 0.12, 0.03]),
                "satisfaction": sat,
            }
        )
        name = _name(month, csp, ASB_COUNCIL)
        kw = {"encoding": "utf-8-sig", "newline": "\r\n"}
        if month in missing:
            continue  # generated all the same, so the other months keep their rows
        if month == restate_month:
            late = (frame.category == "fly-tipping").to_numpy() & (rng.random(n) < 0.35)
            first = frame[~late].reset_index(drop=True)
            ctx.write_csv(ASB_COUNCIL, name, first, [month], **kw)
            rname = name.replace(".csv", ".restated-1.csv")
            ctx.write_csv(ASB_COUNCIL, rname, frame, [month], "restated", **kw)
            ctx.restated.append(
                {
                    "source": ASB_COUNCIL,
                    "file": f"{ASB_COUNCIL}/{rname}",
                    "restates": f"{ASB_COUNCIL}/{name}",
                    "period": month,
                    "scope": csp.code,
                    "reason": "fly-tipping reports backdated",
                    "rows_before": len(first),
                    "rows_after": len(frame),
                }
            )
        else:
            ctx.write_csv(ASB_COUNCIL, name, frame, [month], **kw)


# --- treatment episodes -------------------------------------------------------------------
SUBSTANCES = {  # adult new episodes per month (MK), median months in treatment, p success
    "opiate": (18, 18.0, 0.22),
    "non-opiate": (10, 5.0, 0.55),
    "alcohol": (16, 5.0, 0.6),
    "non-opiate and alcohol": (6, 6.0, 0.5),
}
EXITS_OTHER = [
    "dropped out",
    "transferred - not in custody",
    "transferred - in custody",
    "moved away",
    "treatment withdrawn",
    "died",
]
EXITS_OTHER_P = [0.6, 0.16, 0.1, 0.06, 0.05, 0.03]


def _history_start(ctx: Context, years: int) -> np.datetime64:
    return fy_start_date(ctx.months[0]) - 365 * years


def write_treatment_episodes(ctx: Context, csp: DemoCsp) -> None:
    rng = ctx.rng(TREATMENT_EPISODES, csp.code)
    f = ctx.size_factor(csp) * ctx.scale
    t0 = _history_start(ctx, 3)
    t1 = month_end(ctx.months[-1])
    span = int((t1 - t0).astype(int)) + 1
    parts = []
    for cohort, subst, per_month, median, p_ok in [
        *[("adult", s, *v) for s, v in SUBSTANCES.items()],
        ("young person", "non-opiate", 4, 4.0, 0.75),
        ("young person", "alcohol", 2, 4.0, 0.75),
    ]:
        n = rng.poisson(per_month * f * span / 30.44)
        start = t0 + np.sort(rng.integers(0, span, n))
        months_in = rng.lognormal(np.log(median), 0.7, n)
        end = start + np.maximum(7, (months_in * 30.44).astype(int))
        ok = rng.random(n) < p_ok
        exit_reason = np.where(
            ok, "successful completion", rng.choice(EXITS_OTHER, size=n, p=EXITS_OTHER_P)
        )
        if cohort == "adult":
            mean_age = 43 if subst == "opiate" else 38
            age = np.clip(np.round(rng.normal(mean_age, 10, n)), 18, 80).astype(int)
        else:
            age = rng.integers(12, 18, n)
        parts.append(
            pd.DataFrame(
                {
                    "cohort": cohort,
                    "substance_group": subst,
                    "start": start,
                    "end": end,
                    "exit_reason": exit_reason,
                    "age": age,
                    "cj_referral": YN[(rng.random(n) < 0.2).astype(int)],
                    "client_gender": rng.choice(["male", "female"], size=n, p=[0.68, 0.32]),
                }
            )
        )
    ep = (
        pd.concat(parts, ignore_index=True)
        .sort_values(["start", "cohort", "substance_group"], kind="stable")
        .reset_index(drop=True)
    )
    ci = ctx.csp_index(csp)
    ids, _ = _repeat_ids(rng, len(ep), 0.12, 300)
    ep["client_ref"] = [f"TC{ci}{i:06d}" for i in ids]
    ep["episode_ref"] = [f"TE{ci}-{i + 1:06d}" for i in range(len(ep))]
    start = ep.start.to_numpy()
    end = ep.end.to_numpy()
    for month in ctx.months:
        me, fs = month_end(month), fy_start_date(month)
        keep = (start <= me) & (end >= fs)
        sub = ep[keep]
        closed = sub.end.to_numpy() <= me
        frame = pd.DataFrame(
            {
                "extract_month": month,
                "episode_ref": sub.episode_ref.to_numpy(),
                "client_ref": sub.client_ref.to_numpy(),
                "csp_code": csp.code,
                "cohort": sub.cohort.to_numpy(),
                "substance_group": sub.substance_group.to_numpy(),
                "criminal_justice_referral": sub.cj_referral.to_numpy(),
                "start_date": dates_to_str(sub.start.to_numpy()),
                "end_date": np.where(closed, dates_to_str(sub.end.to_numpy()), ""),
                "exit_reason": np.where(closed, sub.exit_reason.to_numpy(), ""),
                "client_gender": sub.client_gender.to_numpy(),
                "client_age": sub.age.to_numpy(),
            }
        )
        ctx.write_csv(TREATMENT_EPISODES, _name(month, csp, TREATMENT_EPISODES), frame, [month])


# --- court orders -------------------------------------------------------------------------
def write_court_orders(ctx: Context, csp: DemoCsp) -> None:
    """Quarterly probation extract: every DRR/ATR order open at some time in the FY to date,
    as known at the end of the quarter (`extract_month`)."""
    rng = ctx.rng(COURT_ORDERS, csp.code)
    f = ctx.size_factor(csp) * ctx.scale
    t0 = _history_start(ctx, 2)
    t1 = month_end(ctx.months[-1])
    span = int((t1 - t0).astype(int)) + 1
    parts = []
    for otype, per_month, length in [("DRR", 7, 9), ("ATR", 4, 6)]:
        n = rng.poisson(per_month * f * span / 30.44)
        start = t0 + np.sort(rng.integers(0, span, n))
        u = rng.random(n)
        reason = np.where(
            u < 0.62, "completed", np.where(u < 0.82, "revoked for further offending", "breached")
        )
        planned = (length * 30.44 * rng.uniform(0.8, 1.3, n)).astype(int)
        early = reason != "completed"
        dur = np.where(early, (planned * rng.uniform(0.2, 0.9, n)).astype(int), planned)
        parts.append(
            pd.DataFrame(
                {
                    "order_type": otype,
                    "start": start,
                    "end": start + np.maximum(dur, 14),
                    "reason": reason,
                }
            )
        )
    orders = (
        pd.concat(parts, ignore_index=True)
        .sort_values(["start", "order_type"], kind="stable")
        .reset_index(drop=True)
    )
    ci = ctx.csp_index(csp)
    orders["order_ref"] = [f"CO{ci}-{i + 1:05d}" for i in range(len(orders))]
    orders["offender_ref"] = [f"O{ci}{i:06d}" for i in rng.integers(1, 6000, len(orders))]
    for fy, q, ms in ctx.quarters():
        me, fs = month_end(ms[-1]), fy_start_date(ms[-1])
        sub = orders[(orders.start.to_numpy() <= me) & (orders.end.to_numpy() >= fs)]
        closed = sub.end.to_numpy() <= me
        frame = pd.DataFrame(
            {
                "extract_month": ms[-1],
                "order_ref": sub.order_ref.to_numpy(),
                "offender_ref": sub.offender_ref.to_numpy(),
                "csp_code": csp.code,
                "order_type": sub.order_type.to_numpy(),
                "commenced_date": dates_to_str(sub.start.to_numpy()),
                "end_date": np.where(closed, dates_to_str(sub.end.to_numpy()), ""),
                "end_reason": np.where(closed, sub.reason.to_numpy(), ""),
            }
        )
        ctx.write_csv(COURT_ORDERS, _name(f"{fy}-Q{q}", csp, COURT_ORDERS), frame, ms)


# --- NDTMS ViewIt (OHID's public treatment figures) ---------------------------------------
#: The CSPs the demo models (the others are peers): ViewIt names them as their councils.
NDTMS_CSPS = ("E22000307", "E22000143")
#: ViewIt's drug group of each demo substance group.
NDTMS_DRUG_GROUPS = {
    "opiate": "Opiate",
    "non-opiate": "Non-opiate only",
    "alcohol": "Alcohol only",
    "non-opiate and alcohol": "Non-opiate & alcohol",
}
NDTMS_AGE_GROUPS = (("18-29", 18, 29), ("30-49", 30, 49), ("50+", 50, 200))
#: ViewIt's exit column of each demo exit reason; its other exit columns are 0.
NDTMS_EXITS = {
    "successful completion": "exits_successfulcompletion_allintx",
    "dropped out": "exits_droppedout_allintx",
    "transferred - not in custody": "exits_transferrednotincustody_allintx",
    "transferred - in custody": "exits_transferredincustody_allintx",
    "moved away": "exits_movedaway_allintx",
    "treatment withdrawn": "exits_treatmentwithdrawn_allintx",
    "died": "exits_died_allintx",
}
#: ViewIt's exit columns no demo exit reason maps to: 0, but `NULL` in the file's first
#: reporting year for the last two (not yet published then).
NDTMS_OTHER_EXITS = (
    "exits_noappropriatetreatment_allintx",
    "exits_notknown_allintx",
    "exits_other_allintx",
    "exits_prison_allintx",
    "exits_treatmentdeclined_allintx",
    "exits_referredon_allintx",
    "exits_inconsistent_allintx",
)
NDTMS_NULL_FIRST_YEAR = NDTMS_OTHER_EXITS[-2:]
#: Share of journeys that are a person's second in the year (not counted again in treatment).
NDTMS_REPEAT_PERSON = 0.07


def _ndtms_years(ctx: Context) -> list[int]:
    """First calendar years of the reporting years in the export: every financial year of
    the range that has ended by its last month, or the year before the range when none has
    (a short range)."""
    first = int(str(fy_start_date(ctx.months[0]))[:4])
    last_ended = int(str(fy_start_date(ctx.months[-1]))[:4]) - (ctx.months[-1][5:] != "03")
    return list(range(first, last_ended + 1)) or [first - 1]


def _round5(x: float) -> int:
    return int(np.floor(x / 5 + 0.5)) * 5


def _ndtms_journeys(ctx: Context, csp: DemoCsp, until: np.datetime64) -> pd.DataFrame:
    """Adult treatment journeys simulated with the treatment provider's volumes (SUBSTANCES):
    a national dataset of the same people, so near the provider's figures but never equal."""
    rng = ctx.rng(NDTMS_VIEWIT, csp.code)
    f = ctx.size_factor(csp) * ctx.scale
    t0 = _history_start(ctx, 4)
    span = int((until - t0).astype(int)) + 1
    parts = []
    for subst, (per_month, median, p_ok) in SUBSTANCES.items():
        n = rng.poisson(per_month * f * span / 30.44)
        start = t0 + rng.integers(0, span, n)
        end = start + np.maximum(7, (rng.lognormal(np.log(median), 0.7, n) * 30.44).astype(int))
        reason = np.where(
            rng.random(n) < p_ok,
            "successful completion",
            rng.choice(EXITS_OTHER, size=n, p=EXITS_OTHER_P),
        )
        mean_age = 43 if subst == "opiate" else 38
        parts.append(
            pd.DataFrame(
                {
                    "drug_group": NDTMS_DRUG_GROUPS[subst],
                    "start": start,
                    "end": end,
                    "reason": reason,
                    "sex": rng.choice(["M", "F"], size=n, p=[0.68, 0.32]),
                    "age": np.clip(np.round(rng.normal(mean_age, 10, n)), 18, 80).astype(int),
                    # another journey of a person already counted (ViewIt counts people)
                    "again": rng.random(n) < NDTMS_REPEAT_PERSON,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def write_ndtms_viewit(ctx: Context) -> None:
    """One ViewIt export (the local authority file, as OHID publishes it) for the CSPs the
    demo models: per reporting year, area, sex, age group and drug group, the adults in
    treatment, new presentations and exits by reason, each rounded to 5 on its own (a total
    is not the sum of its rounded parts), total rows written `Total`."""
    years = _ndtms_years(ctx)
    until = np.datetime64(f"{years[-1] + 1:04d}-03-31")
    rows = []
    for csp in (c for c in ctx.csps if c.code in NDTMS_CSPS):
        j = _ndtms_journeys(ctx, csp, until)
        for y in years:
            fs, fe = np.datetime64(f"{y:04d}-04-01"), np.datetime64(f"{y + 1:04d}-03-31")
            open_ = (j.start <= fe) & (j.end >= fs)
            new = (j.start >= fs) & (j.start <= fe)
            ended = (j.end >= fs) & (j.end <= fe)
            for sex in ("M", "F", "Total"):
                for age, lo, hi in (*NDTMS_AGE_GROUPS, ("Total", 0, 200)):
                    for drug in (*NDTMS_DRUG_GROUPS.values(), "Total"):
                        who = (j.age >= lo) & (j.age <= hi)
                        if sex != "Total":
                            who &= j.sex == sex
                        if drug != "Total":
                            who &= j.drug_group == drug
                        row = {
                            "reporting_period": f"{y}/{(y + 1) % 100:02d}",
                            "area": csp.name,
                            "sex": sex,
                            "age_group": age,
                            "drug_group": drug,
                            "intreatment_allintx": _round5((who & open_ & ~j.again).sum()),
                            "newpresentation_newtx": _round5((who & new).sum()),
                        }
                        for reason, col in NDTMS_EXITS.items():
                            row[col] = _round5((who & ended & (j.reason == reason)).sum())
                        for col in NDTMS_OTHER_EXITS:
                            unpublished = y == years[0] and col in NDTMS_NULL_FIRST_YEAR
                            row[col] = "NULL" if unpublished else 0
                        rows.append(row)
    name = f"{years[-1] + 1:04d}-03-{NDTMS_VIEWIT.replace('_', '-')}.csv"
    periods = [f"{y + 1:04d}-03" for y in years]
    ctx.write_csv(NDTMS_VIEWIT, name, pd.DataFrame(rows), periods)


# --- probation events ---------------------------------------------------------------------
TEAMS = ["", " IOM", " PPU", " SARC", " Substance Misuse"]
TEAM_P = [0.55, 0.07, 0.1, 0.07, 0.21]
NEED_P = {  # OASys section -> base probability; substance misuse team higher for 8 and 9
    3: 0.25,
    4: 0.25,
    5: 0.35,
    6: 0.45,
    7: 0.55,
    8: 0.35,
    9: 0.4,
    10: 0.4,
    11: 0.55,
    12: 0.35,
}


def write_probation_events(ctx: Context, csp: DemoCsp) -> None:
    rng = ctx.rng(PROBATION_EVENTS, csp.code)
    f = ctx.size_factor(csp)
    initial = _monthly_counts(ctx, rng, 44 * f)
    term = _monthly_counts(ctx, rng, 38 * f)
    ci = ctx.csp_index(csp)
    for mi, month in enumerate(ctx.months):
        n_i, n_t = initial[mi], term[mi]
        n = n_i + n_t
        team_idx = rng.choice(len(TEAMS), size=n, p=TEAM_P)
        teams = np.array([csp.name + t for t in TEAMS])[team_idx]
        age = np.where(
            rng.random(n) < 0.17,
            rng.integers(18, 21, n),
            np.clip(np.round(rng.normal(33, 10, n)), 21, 75),
        ).astype(int)
        frame = pd.DataFrame(
            {
                "event_ref": [f"PE{ci}-{month.replace('-', '')}-{i + 1:04d}" for i in range(n)],
                "offender_ref": [f"O{ci}{i:06d}" for i in rng.integers(1, 6000, n)],
                "csp_code": csp.code,
                "team": teams,
                "event_type": np.repeat(["initial", "termination"], [n_i, n_t]),
                "event_date": dates_to_str(month_start(month) + rng.integers(0, days_in(month), n)),
                "age": age,
                "gender": rng.choice(["male", "female"], size=n, p=[0.85, 0.15]),
            }
        )
        sm = team_idx == 4
        for sec, p in NEED_P.items():
            pp = np.where(sm & (sec in (8, 9)), 0.75, p)
            frame[f"need_section_{sec}"] = YN[(rng.random(n) < pp).astype(int)]
        frame = frame.sort_values(["event_date", "event_ref"], kind="stable")
        ctx.write_csv(PROBATION_EVENTS, _name(month, csp, PROBATION_EVENTS), frame, [month])


# --- IOM cohort and IOM convictions -------------------------------------------------------
CONVICTION_CODES = ["46", "49", "105A", "8N", "28E", "45", "48", "92D", "58D", "9A", "34B"]
CONVICTION_P = [0.24, 0.12, 0.12, 0.08, 0.1, 0.07, 0.04, 0.08, 0.07, 0.05, 0.03]


def write_iom(ctx: Context, csp: DemoCsp) -> None:
    rng = ctx.rng("iom", csp.code)
    f = ctx.size_factor(csp) * ctx.scale
    t0 = _history_start(ctx, 2)
    t1 = month_end(ctx.months[-1])
    span = int((t1 - t0).astype(int)) + 1
    # a standing cohort of ~115 at t0, then ~10 selected a month, ~10 months on the scheme
    n0 = rng.poisson(115 * f)
    n_new = rng.poisson(10 * f * span / 30.44)
    sel = np.concatenate(
        [t0 - rng.integers(0, 300, n0), t0 + np.sort(rng.integers(0, span, n_new))]
    )
    stay = (rng.lognormal(np.log(10), 0.5, len(sel)) * 30.44).astype(int)
    removed = sel + np.maximum(stay, 30)
    ci = ctx.csp_index(csp)
    ids = np.array(
        [f"O{ci}{i:06d}" for i in rng.choice(np.arange(6000, 9000), len(sel), replace=False)]
    )
    order = np.argsort(sel, kind="stable")
    sel, removed, ids = sel[order], removed[order], ids[order]
    for fy, q, ms in ctx.quarters():
        me = month_end(ms[-1])
        since = fy_start_date(ms[-1]) - 365  # this FY and the last, for reoffending change
        keep = (sel <= me) & (removed >= since)
        closed = removed[keep] <= me
        frame = pd.DataFrame(
            {
                "extract_month": ms[-1],
                "offender_ref": ids[keep],
                "csp_code": csp.code,
                "selected_date": dates_to_str(sel[keep]),
                "removed_date": np.where(closed, dates_to_str(removed[keep]), ""),
            }
        )
        ctx.write_csv(IOM_COHORT, _name(f"{fy}-Q{q}", csp, IOM_COHORT), frame, ms)
    # convictions: persistent offenders are selected for their offending, ~0.25 a month in
    # the year before selection, which the scheme brings down to ~0.15 while on it (or just
    # off it): so the change in reoffending has a year before to compare with
    for month in ctx.months:
        ms_, me = month_start(month), month_end(month)
        before = (sel - 365 <= me) & (sel > me)
        on = (sel <= me) & (removed + 90 >= ms_)
        rate = np.where(before, 0.25, np.where(on, 0.15, 0.0))
        active = np.flatnonzero(rate > 0)
        n = rng.poisson(rate.sum()) if len(active) else 0
        p = rate[active] / rate[active].sum() if len(active) else None
        who = ids[rng.choice(active, size=n, p=p)] if n else np.array([], dtype=str)
        frame = pd.DataFrame(
            {
                "conviction_ref": [
                    f"CV{ci}-{month.replace('-', '')}-{i + 1:03d}" for i in range(n)
                ],
                "offender_ref": who,
                "csp_code": csp.code,
                "conviction_date": dates_to_str(_dates_in_month(rng, month, n)),
                "offence_code": rng.choice(CONVICTION_CODES, size=n, p=CONVICTION_P),
            }
        )
        ctx.write_csv(IOM_CONVICTIONS, _name(month, csp, IOM_CONVICTIONS), frame, [month])


# --- indicator returns --------------------------------------------------------------------
def write_indicator_returns(ctx: Context, csp: DemoCsp) -> None:
    """The spreadsheet template: one XLSX per CSP per FY quarter, title rows above the header.
    One return (Medway, the second-to-last quarter) arrives late: see the manifest."""
    rng = ctx.rng(INDICATOR_RETURNS, csp.code)
    f = ctx.size_factor(csp)
    indicators = partner_return_indicators(DEFAULT_SEEDS_DIR)
    quarters = ctx.quarters()
    late_q = quarters[max(len(quarters) - 2, 0)][:2] if csp.code == "E22000143" else None
    for fy, q, ms in quarters:
        rows = []
        label = fy_label(ms[0])
        for m in ms:
            n = rng.poisson(60 * f * ctx.scale)
            rows.append(
                (
                    "fpn_issued",
                    m,
                    n,
                    "",
                    "",
                    "FPNs at £150 (£100 if paid early)",
                    "Environmental Enforcement",
                )
            )
            n = rng.poisson(95 * f * ctx.scale * seasonal([m], 0.2, 7)[0])
            rows.append(("fly_tipping_cleared", m, n, "", "", "", "Waste Services"))
        rows.append(
            (
                "ksi_casualties",
                label,
                rng.poisson(22 * f * ctx.scale),
                "",
                "",
                "provisional: STATS19 not yet validated",
                "Road Safety Team",
            )
        )
        rows.append(
            (
                "people_trained",
                label,
                rng.poisson(35 * ctx.scale),
                "",
                "",
                "Cultural Awareness Training",
                "Community Safety Team",
            )
        )
        rows.append(
            (
                "triage_referrals",
                label,
                rng.poisson(30 * f * ctx.scale),
                "",
                "",
                "",
                "Youth Offending Team",
            )
        )
        den = int(rng.poisson(80 * f * ctx.scale)) + 1
        num = int(rng.binomial(den, 0.82))
        rows.append(
            (
                "victim_satisfaction",
                label,
                round(100 * num / den, 1),
                num,
                den,
                "% satisfied with the whole experience",
                "Victim Support",
            )
        )
        frame = pd.DataFrame(
            rows,
            columns=[
                "indicator_code",
                "period",
                "value",
                "numerator",
                "denominator",
                "note",
                "submitted_by",
            ],
        )
        frame.insert(len(frame.columns), "csp_code", csp.code)
        # the name and unit the template (`csp template`) pre-fills, from the catalogue
        frame["indicator_name"] = frame.indicator_code.map({i.code: i.name for i in indicators})
        frame["unit"] = frame.indicator_code.map({i.code: i.unit for i in indicators})
        name = _name(f"{fy}-Q{q}", csp, INDICATOR_RETURNS, "xlsx")
        titles = [
            f"{csp.name} Community Safety Partnership: indicator return",
            f"Period: {label} (submitted by partners; one row per indicator and period)",
        ]
        entry = ctx.write_xlsx(INDICATOR_RETURNS, name, frame, ms + [label], titles)
        if late_q == (fy, q):
            due = month_end(ms[-1]) + 42
            entry["kind"] = "late"
            ctx.late.append(
                {
                    "source": INDICATOR_RETURNS,
                    "file": entry["file"],
                    "period": label,
                    "scope": csp.code,
                    "expected_by": str(due),
                    "arrived": str(due + 38),
                    "note": "returned 38 days after the 6-week deadline",
                }
            )


#: The writers, in order (the order of the manifest's `restated` and `late` lists).
WRITERS = [
    write_dv_incidents,
    write_marac_cases,
    write_fire_incidents,
    write_asb_council,
    write_treatment_episodes,
    write_court_orders,
    write_probation_events,
    write_iom,  # the IOM cohort and IOM convictions
    write_indicator_returns,
]


def generate_partners(ctx: Context) -> None:
    for fn in WRITERS:
        for csp in ctx.csps:
            fn(ctx, csp)
    write_ndtms_viewit(ctx)  # one national file, not one per CSP
