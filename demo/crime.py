"""Police sources: record-level crime (POLICE_CRIME), the data.police.uk street file
(POLICE_STREET: as published, derived from the same crimes plus ASB incidents) and the ONS
table of crime by CSP (ONS_CSP_CRIME). The two police files take their header from the
ingest contracts (see sources.file_frame)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from .config import MSG_CSPS, DemoCsp
from .context import (
    Context,
    dates_to_str,
    days_in,
    fy_of,
    month_start,
    parse_month,
    seasonal,
)
from .sources import ONS_CSP_CRIME, POLICE_CRIME, POLICE_STREET

# Offence mix: code -> (share of all crime %, profile). Shares are normalised.
# Profiles set seasonality, location, domestic-abuse and hate-crime likelihood and victim.
P = {
    #           amp, peak, (dwelling, public, other), p_da, p_hate, victim
    "violence": (0.10, 7, (0.35, 0.45, 0.20), 0.35, 0.006, "person"),
    "harass": (0.04, 7, (0.70, 0.10, 0.20), 0.40, 0.010, "person"),
    "sexual": (0.08, 7, (0.50, 0.25, 0.25), 0.25, 0.003, "person"),
    "child": (0.00, 7, (0.80, 0.10, 0.10), 0.30, 0.000, "child"),
    "robbery_p": (0.06, 11, (0.05, 0.85, 0.10), 0.02, 0.005, "person"),
    "business": (0.05, 12, (0.00, 0.10, 0.90), 0.00, 0.001, "business"),
    "burg_dw": (0.12, 12, (1.00, 0.00, 0.00), 0.05, 0.002, "person"),
    "burg_nd": (0.08, 11, (0.00, 0.00, 1.00), 0.00, 0.000, "person"),
    "vehicle": (0.08, 12, (0.05, 0.75, 0.20), 0.01, 0.001, "person"),
    "theft": (0.05, 8, (0.15, 0.55, 0.30), 0.03, 0.002, "person"),
    "person_theft": (0.06, 12, (0.00, 0.90, 0.10), 0.00, 0.002, "person"),
    "cycle": (0.20, 7, (0.20, 0.70, 0.10), 0.00, 0.000, "person"),
    "damage_dw": (0.06, 7, (1.00, 0.00, 0.00), 0.30, 0.015, "person"),
    "damage_veh": (0.06, 10, (0.10, 0.80, 0.10), 0.10, 0.010, "person"),
    "damage": (0.08, 7, (0.20, 0.50, 0.30), 0.05, 0.010, "person"),
    "arson": (0.15, 5, (0.30, 0.40, 0.30), 0.05, 0.005, "person"),
    "pubord": (0.12, 7, (0.25, 0.60, 0.15), 0.15, 0.030, "person"),
    "disorder": (0.15, 7, (0.00, 0.95, 0.05), 0.00, 0.020, "none"),
    "society": (0.05, 7, (0.10, 0.70, 0.20), 0.00, 0.000, "none"),
}
MIX = {
    "1": (0.01, "violence"),
    "4/1": (0.005, "violence"),
    "4/4": (0.01, "society"),
    "2": (0.03, "violence"),
    "5D": (0.5, "violence"),
    "5E": (0.2, "violence"),
    "8N": (8.9, "violence"),
    "8P": (0.12, "violence"),
    "3B": (0.7, "harass"),
    "11A": (0.4, "child"),
    "13": (0.05, "child"),
    "104": (0.8, "violence"),
    "105A": (9.5, "violence"),
    "105B": (0.2, "violence"),
    "8L": (3.0, "harass"),
    "8M": (0.12, "harass"),
    "8Q": (1.6, "harass"),
    "8R": (4.5, "harass"),
    "8U": (1.3, "harass"),
    "19C": (0.6, "sexual"),
    "19F": (0.06, "sexual"),
    "20A": (1.2, "sexual"),
    "17A": (0.2, "sexual"),
    "22B": (0.3, "child"),
    "34A": (0.15, "business"),
    "34B": (1.0, "robbery_p"),
    "28E": (2.3, "burg_dw"),
    "28F": (0.7, "burg_dw"),
    "28G": (0.6, "burg_nd"),
    "28H": (0.15, "burg_nd"),
    "30C": (1.5, "business"),
    "30D": (0.3, "business"),
    "37/2": (0.1, "vehicle"),
    "45": (3.0, "vehicle"),
    "48": (1.6, "vehicle"),
    "126": (1.1, "vehicle"),
    "39": (1.2, "person_theft"),
    "44": (1.8, "cycle"),
    "46": (8.0, "business"),
    "40": (0.6, "theft"),
    "41": (0.2, "business"),
    "47": (0.05, "business"),
    "49": (6.3, "theft"),
    "54": (0.2, "society"),
    "56A": (0.1, "arson"),
    "56B": (0.8, "arson"),
    "58A": (2.2, "damage_dw"),
    "58B": (1.2, "business"),
    "58C": (3.0, "damage_veh"),
    "58D": (2.0, "damage"),
    "58E": (0.06, "damage_dw"),
    "58F": (0.05, "damage"),
    "58G": (0.04, "damage_veh"),
    "58H": (0.05, "damage"),
    "58J": (0.3, "damage"),
    "92A": (0.5, "society"),
    "92D": (0.7, "society"),
    "92E": (1.7, "society"),
    "10A": (0.05, "society"),
    "10C": (0.3, "society"),
    "10D": (0.7, "society"),
    "9A": (6.3, "pubord"),
    "9B": (0.3, "pubord"),
    "62A": (0.1, "disorder"),
    "66": (0.5, "disorder"),
    "33": (0.1, "society"),
    "802": (0.3, "society"),
    "95": (0.2, "society"),
}
RR_CODES = {"8P", "105B", "8M", "9B", "58E", "58F", "58G", "58H"}  # racially or religiously agg.
STRANDS = ["hate_race", "hate_religion", "hate_sexual_orientation", "hate_disability"]
STRANDS += ["hate_transgender"]
STRAND_P = np.array([0.58, 0.09, 0.17, 0.11, 0.05])
OUTCOMES = [
    ("Investigation complete; no suspect identified", 40.0),
    ("Unable to prosecute suspect", 34.0),
    ("Status update unavailable", 6.0),
    ("Court result unavailable", 4.0),
    ("Under investigation", 3.0),
    ("Action to be taken by another organisation", 2.2),
    ("Further investigation is not in the public interest", 1.1),
    ("Offender given a caution", 1.1),
    ("Local resolution", 0.7),
    ("Awaiting court outcome", 0.7),
    ("Offender sent to prison", 0.45),
    ("Offender given community sentence", 0.35),
    ("Offender given a drugs possession warning", 0.35),
    ("Offender fined", 0.25),
    ("Formal action is not in the public interest", 0.2),
    ("Defendant found not guilty", 0.17),
    ("Offender given penalty notice", 0.15),
    ("Offender given conditional discharge", 0.13),
    ("Offender given suspended prison sentence", 0.13),
    ("Court case unable to proceed", 0.12),
    ("Suspect charged as part of another case", 0.09),
]
LOCATION_TYPES = np.array(["dwelling", "public_place", "other"])
GENDERS = np.array(["female", "male", "other", "unknown"])
# Restatements: a recorded crime reclassified after review (from -> to)
RECLASSIFY = {"105A": "8N", "9A": "105A", "49": "46", "58D": "58A", "28G": "28E", "45": "126"}


class CrimeModel:
    """Per-offence arrays in the order of MIX, joined to the classification seed."""

    def __init__(self, ctx: Context):
        off = ctx.ref.offences.set_index("offence_code")
        missing = sorted(set(MIX) - set(off.index))
        if missing:
            raise ValueError(f"demo offence codes missing from the seed: {missing}")
        self.codes = np.array(list(MIX))
        share = np.array([MIX[c][0] for c in self.codes])
        self.share = share / share.sum()
        prof = [P[MIX[c][1]] for c in self.codes]
        self.amp = np.array([p[0] for p in prof])
        self.peak = np.array([p[1] for p in prof])
        self.loc = np.array([p[2] for p in prof])
        self.p_da = np.array([p[3] for p in prof])
        self.p_hate = np.array(
            [1.0 if c in RR_CODES else p[4] for c, p in zip(self.codes, prof, strict=True)]
        )
        self.victim = np.array([p[5] for p in prof])
        self.description = off.loc[self.codes, "offence_description"].to_numpy()
        self.crime_type = off.loc[self.codes, "police_uk_crime_type"].to_numpy()
        self.group = off.loc[self.codes, "offence_group"].to_numpy()
        self.is_rr = np.isin(self.codes, list(RR_CODES))
        self.index = {c: i for i, c in enumerate(self.codes)}


def _lsoa_weights(rng: np.random.Generator, n: int) -> np.ndarray:
    w = rng.lognormal(0.0, 0.8, n)
    return w / w.sum()


def simulate_csp(ctx: Context, model: CrimeModel, csp: DemoCsp) -> pd.DataFrame:
    """All crimes of one CSP over the demo range, in recorded-date order."""
    rng = ctx.rng(POLICE_CRIME, csp.code)
    months = ctx.months
    nm = len(months)
    base = csp.crimes_per_month or 1700 * ctx.size_factor(csp)
    # a gentle per-CSP drift, centred on the middle of the range so the mean stays at base
    trend = 1.0 + rng.normal(0.0, 0.03) * (np.arange(nm) - (nm - 1) / 2) / 12.0
    days = np.array([days_in(m) for m in months])
    cal = np.array([parse_month(m)[1] for m in months])
    season = 1.0 + model.amp[None, :] * np.cos(
        2 * np.pi * (cal[:, None] - model.peak[None, :]) / 12.0
    )
    lam = base * ctx.scale * model.share[None, :] * season * (trend * days / 30.44)[:, None]
    counts = rng.poisson(lam)
    month_idx = np.repeat(np.repeat(np.arange(nm), len(model.codes)), counts.ravel())
    code_idx = np.repeat(np.tile(np.arange(len(model.codes)), nm), counts.ravel())
    n = len(code_idx)
    starts = np.array([month_start(m) for m in months])
    date = starts[month_idx] + rng.integers(0, days[month_idx])
    order = np.lexsort((code_idx, date))
    month_idx, code_idx, date = month_idx[order], code_idx[order], date[order]

    lsoas = ctx.ref.lsoas(csp.code)
    lsoa = rng.choice(len(lsoas), size=n, p=_lsoa_weights(ctx.rng("lsoa", csp.code), len(lsoas)))
    lsoa_code = lsoas.lsoa_code.to_numpy()[lsoa].astype(object)
    lsoa_code[rng.random(n) < 0.01] = ""

    da = rng.random(n) < model.p_da[code_idx]
    probs = model.loc[code_idx].copy()
    movable = (probs[:, 0] < 1.0) & (probs[:, 2] < 1.0)
    probs[da & movable] = (0.85, 0.10, 0.05)
    u = rng.random(n)
    loc = (u > probs[:, 0]).astype(int) + (u > probs[:, 0] + probs[:, 1]).astype(int)

    hate = np.zeros((n, 5), dtype=bool)
    is_hate = rng.random(n) < model.p_hate[code_idx]
    rr = model.is_rr[code_idx]
    first = rng.choice(5, size=n, p=STRAND_P)
    first = np.where(rr, np.where(rng.random(n) < 0.9, 0, 1), first)
    hate[np.arange(n), first] = is_hate
    second = rng.choice(5, size=n, p=STRAND_P)
    two = is_hate & (rng.random(n) < 0.06) & (second != first)
    hate[np.arange(n)[two], second[two]] = True

    kind = model.victim[code_idx]
    has_victim = (kind == "person") | (kind == "child")
    p_rep = np.where(da, 0.35, 0.08)
    new = has_victim & (rng.random(n) >= p_rep)
    k = np.cumsum(new)
    back = rng.geometric(1 / 400.0, size=n)
    vid = np.where(new, k, np.maximum(k - back, 1))
    ci = ctx.csp_index(csp)
    victim_ref = np.char.add(f"V{ci}", np.char.zfill(vid.astype(str), 7)).astype(object)
    victim_ref[~has_victim] = ""
    age = np.clip(np.round(rng.normal(37, 15, n)), 16, 95).astype(int)
    age = np.where(kind == "child", rng.integers(1, 16, n), age)
    age_s = age.astype(str).astype(object)
    age_s[~has_victim | (rng.random(n) < 0.04)] = ""
    g_p = np.where(da[:, None], [[0.76, 0.22, 0.005, 0.015]], [[0.47, 0.49, 0.005, 0.035]])
    g = (rng.random(n)[:, None] > np.cumsum(g_p, axis=1)).sum(axis=1)
    gender = GENDERS[np.minimum(g, 3)].astype(object)
    gender[~has_victim] = ""

    names = np.array([o for o, _ in OUTCOMES])
    w = np.array([p for _, p in OUTCOMES])
    outcome = names[rng.choice(len(names), size=n, p=w / w.sum())].astype(object)
    recent = month_idx >= nm - 2  # the last two months are still mostly open
    outcome[recent & (rng.random(n) < 0.5)] = "Under investigation"
    soc = MIX_KIND_SOCIETY[code_idx]
    detected = soc & (rng.random(n) < 0.55)
    outcome[detected] = rng.choice(
        ["Local resolution", "Offender given a caution", "Awaiting court outcome"], detected.sum()
    )

    yn = np.array(["N", "Y"])
    frame = pd.DataFrame(
        {
            "csp_code": csp.code,
            "month_idx": month_idx,
            "code_idx": code_idx,
            "recorded_date": dates_to_str(date),
            "offence_code": model.codes[code_idx],
            "offence_description": model.description[code_idx],
            "lsoa_code": lsoa_code,
            "location_type": LOCATION_TYPES[loc],
            "domestic_abuse": yn[da.astype(int)],
            **{s: yn[hate[:, i].astype(int)] for i, s in enumerate(STRANDS)},
            "victim_ref": victim_ref,
            "victim_age": age_s,
            "victim_gender": gender,
            "outcome": outcome,
        }
    )
    return frame


MIX_KIND_SOCIETY = np.array([MIX[c][1] == "society" for c in MIX])


def assign_refs(frames: list[pd.DataFrame], prefix: str) -> pd.DataFrame:
    """Concatenate a force's CSP crimes and number them `<prefix>-<year>-<seq>`."""
    df = pd.concat(frames, ignore_index=True)
    df = df.sort_values(["recorded_date", "csp_code", "code_idx"], kind="stable")
    df = df.reset_index(drop=True)
    year = df.recorded_date.str.slice(0, 4)
    seq = df.groupby(year).cumcount() + 1
    df.insert(0, "crime_ref", prefix + "-" + year + "-" + seq.map("{:07d}".format))
    return df


def restate(ctx: Context, model: CrimeModel, month_df: pd.DataFrame, force, month: str):
    """A handful of reclassified and late-added crimes for one force-month."""
    rng = ctx.rng("restate", force.code, month)
    df = month_df.copy()
    candidates = np.flatnonzero(df.offence_code.isin(list(RECLASSIFY)).to_numpy())
    k = min(len(candidates), max(3, int(round(8 * ctx.scale))))
    pick = np.sort(rng.choice(candidates, size=k, replace=False)) if k else np.array([], int)
    changes = []
    for i in pick:
        old = df.at[i, "offence_code"]
        new = RECLASSIFY[old]
        j = model.index[new]
        df.at[i, "offence_code"] = new
        df.at[i, "offence_description"] = model.description[j]
        df.at[i, "code_idx"] = j
        if new in ("28E", "58A"):
            df.at[i, "location_type"] = "dwelling"
        changes.append({"crime_ref": df.at[i, "crime_ref"], "from": old, "to": new})
    n_add = max(2, int(round(5 * ctx.scale)))
    added = df.iloc[np.sort(rng.choice(len(df), size=n_add, replace=False))].copy()
    year = month[:4]
    added["crime_ref"] = [f"{force.ref_prefix}-{year}-{9000000 + i + 1:07d}" for i in range(n_add)]
    added["outcome"] = "Under investigation"
    df = pd.concat([df, added], ignore_index=True)
    return df, changes, added.crime_ref.tolist()


def street_rows(
    ctx: Context, model: CrimeModel, crimes: pd.DataFrame, force, month: str
) -> pd.DataFrame:
    """data.police.uk rows for one force-month: the crimes plus ASB incidents."""
    areas = ctx.ref.areas.set_index("lsoa_code")
    pts = ctx.ref.points
    rng = ctx.rng(POLICE_STREET, force.code, month)
    # crimes
    lsoa = crimes.lsoa_code.to_numpy()
    crime_id = [hashlib.sha256(r.encode()).hexdigest() for r in crimes.crime_ref]
    ctype = model.crime_type[crimes.code_idx.to_numpy()]
    outcome = crimes.outcome.to_numpy()
    # ASB
    asb_lsoa, asb_n = [], 0
    for csp in ctx.csps:
        if csp.force_code != force.code:
            continue
        base = csp.asb_per_month or 500 * ctx.size_factor(csp)
        lam = base * ctx.scale * seasonal([month], 0.2, 7)[0]
        n = rng.poisson(lam)
        lsoas = ctx.ref.lsoas(csp.code)
        w = _lsoa_weights(ctx.rng("lsoa", csp.code), len(lsoas)) ** 1.2
        pick = lsoas.lsoa_code.to_numpy()[rng.choice(len(lsoas), size=n, p=w / w.sum())]
        pick = pick.astype(object)
        pick[rng.random(n) < 0.01] = ""
        asb_lsoa.append(pick)
        asb_n += n
    all_lsoa = np.concatenate([lsoa.astype(object), *asb_lsoa]) if asb_lsoa else lsoa
    n_all = len(all_lsoa)
    ids = np.array(crime_id + [""] * asb_n, dtype=object)
    types = np.concatenate([ctype, np.full(asb_n, "Anti-social behaviour", dtype=object)])
    outs = np.concatenate([outcome, np.full(asb_n, "", dtype=object)])
    # map points: one of the LSOA's published points
    lon = np.full(n_all, "", dtype=object)
    lat = np.full(n_all, "", dtype=object)
    loc = np.full(n_all, "No Location", dtype=object)
    name = np.full(n_all, "", dtype=object)
    has = all_lsoa != ""
    codes, first_idx, n_pts = np.unique(
        pts.lsoa_code.to_numpy(), return_index=True, return_counts=True
    )
    u = rng.random(n_all)
    li = np.searchsorted(codes, all_lsoa[has].astype(str))
    if not np.array_equal(codes[np.minimum(li, len(codes) - 1)], all_lsoa[has].astype(str)):
        raise ValueError(f"an LSOA of {force.code} has no map point in the demo's points")
    p = first_idx[li] + (u[has] * n_pts[li]).astype(int)
    lon[has] = pts.longitude.to_numpy()[p]
    lat[has] = pts.latitude.to_numpy()[p]
    loc[has] = pts.location.to_numpy()[p]
    name[has] = areas.loc[all_lsoa[has], "lsoa_name"].to_numpy()
    frame = pd.DataFrame(  # by contract column name: the file shows the contract's headers
        {
            "crime_id": ids,
            "month": month,
            "reported_by": force.police_uk_name,
            "falls_within": force.police_uk_name,
            "longitude": lon,
            "latitude": lat,
            "location": loc,
            "lsoa_code": all_lsoa,
            "lsoa_name": name,
            "crime_type": types,
            "last_outcome_category": outs,
            "context": "",
        }
    )
    # as published: grouped by LSOA name, rows without a location last
    key = np.where(has, name, "\uffff")
    order = np.lexsort((np.arange(n_all), key.astype(str)))
    return frame.iloc[order].reset_index(drop=True), asb_n


def generate_police(ctx: Context) -> dict:
    model = CrimeModel(ctx)
    final: dict[str, pd.DataFrame] = {}
    summary = {"crimes": 0, "asb": 0}
    months = ctx.months
    for fi, force in enumerate(ctx.forces.values()):
        csps = [c for c in ctx.csps if c.force_code == force.code]
        if not csps:
            continue
        crimes = assign_refs([simulate_csp(ctx, model, c) for c in csps], force.ref_prefix)
        crimes.insert(1, "force_code", force.code)
        by_month = dict(tuple(crimes.groupby("month_idx", sort=True)))
        # restated months: the second-to-last month for the first force, mid-range for the next
        restate_at = {months[max(len(months) - 2, 0)]} if fi == 0 else {months[len(months) // 2]}
        force_final = []
        for mi, month in enumerate(months):
            month_df = by_month.get(mi, crimes.iloc[0:0]).reset_index(drop=True)
            name = f"{month}-{force.slug}-crime.csv"
            ctx.write_csv(POLICE_CRIME, name, month_df, [month])
            latest = month_df
            if month in restate_at:
                latest, changes, added = restate(ctx, model, month_df, force, month)
                rname = f"{month}-{force.slug}-crime.restated-1.csv"
                ctx.write_csv(POLICE_CRIME, rname, latest, [month], "restated")
                ctx.restated.append(
                    {
                        "source": POLICE_CRIME,
                        "file": f"{POLICE_CRIME}/{rname}",
                        "restates": f"{POLICE_CRIME}/{name}",
                        "period": month,
                        "scope": force.code,
                        "reclassified": changes,
                        "added": added,
                        "rows_before": len(month_df),
                        "rows_after": len(latest),
                    }
                )
            street, n_asb = street_rows(ctx, model, latest, force, month)
            ctx.write_csv(
                POLICE_STREET, f"{month}-{force.slug}-street.csv", street, [month], "original"
            )
            summary["crimes"] += len(latest)
            summary["asb"] += n_asb
            force_final.append(latest)
        final[force.code] = pd.concat(force_final, ignore_index=True)
    write_ons_csp_crime(ctx, model, final)
    return {"final": final, "summary": summary}


#: The Home Office offence group and subgroup of each group of the classification seed, as the
#: open data table "police recorded crime by CSP" publishes them (`Offence Group`, `Offence
#: Subgroup`); where a seed group spans two subgroups, the codes of the second are listed.
HO_GROUPS: dict[str, tuple[str, str]] = {
    "Homicide": ("Violence against the person", "Homicide"),
    "Death or serious injury caused by unlawful driving": (
        "Violence against the person",
        "Death or serious injury - unlawful driving",
    ),
    "Violence with injury": ("Violence against the person", "Violence with injury"),
    "Violence without injury": ("Violence against the person", "Violence without injury"),
    "Stalking and harassment": ("Violence against the person", "Stalking and harassment"),
    "Sexual offences": ("Sexual offences", "Other sexual offences"),
    "Robbery": ("Robbery", "Robbery of business property"),
    "Burglary - residential (domestic)": ("Theft offences", "Residential burglary"),
    "Burglary - residential (non-dwelling)": ("Theft offences", "Residential burglary"),
    "Burglary - business and community": ("Theft offences", "Non-residential burglary"),
    "Vehicle offences": ("Theft offences", "Vehicle offences"),
    "Theft from the person": ("Theft offences", "Theft from the person"),
    "Bicycle theft": ("Theft offences", "Bicycle theft"),
    "Shoplifting": ("Theft offences", "Shoplifting"),
    "All other theft offences": ("Theft offences", "Other theft offences"),
    "Criminal damage and arson": ("Criminal damage and arson", "Criminal damage"),
    "Drug offences": ("Drug offences", "Possession of drugs"),
    "Possession of weapons offences": (
        "Possession of weapons offences",
        "Possession of weapons offences",
    ),
    "Public order offences": ("Public order offences", "Public order offences"),
    "Miscellaneous crimes against society": (
        "Miscellaneous crimes against society",
        "Miscellaneous crimes against society",
    ),
}
HO_SUBGROUP_BY_CODE = {
    "19C": "Rape",
    "19F": "Rape",
    "34B": "Robbery of personal property",
    "56A": "Arson",
    "56B": "Arson",
    "92A": "Trafficking of drugs",
}


def ho_group(seed_group: str, code: str) -> tuple[str, str]:
    """(Offence Group, Offence Subgroup) of an offence code, as the Home Office table has them."""
    group, subgroup = HO_GROUPS[seed_group]
    return group, HO_SUBGROUP_BY_CODE.get(code, subgroup)


def write_ons_csp_crime(ctx: Context, model: CrimeModel, final: dict[str, pd.DataFrame]) -> None:
    """The Home Office table of police recorded crime by CSP in its published shape, one file
    per FY quarter (`Financial Year` 2024/25, `Financial Quarter` 1-4, CSPs by name): one row
    per CSP and offence code, for the demo CSPs (counted from the demo crimes that have an
    LSOA) and a group of real CSPs (MSG_CSPS, synthetic counts)."""
    areas = ctx.ref.areas
    lsoa_csp = areas.set_index("lsoa_code")["csp_code"]
    csp_names = areas.drop_duplicates("csp_code").set_index("csp_code")
    crimes = pd.concat(final.values(), ignore_index=True)
    crimes = crimes[crimes.lsoa_code != ""].copy()
    crimes["csp"] = lsoa_csp.loc[crimes.lsoa_code].to_numpy()
    crimes["quarter"] = [fy_of(m[:7]) for m in crimes.recorded_date]
    counts = crimes.groupby(["quarter", "csp", "code_idx"]).size()
    groups = [ho_group(g, c) for g, c in zip(model.group, model.codes, strict=True)]
    rng = ctx.rng(ONS_CSP_CRIME)
    level = {code: rng.lognormal(0.0, 0.2) for code in MSG_CSPS}
    demo_codes = [c.code for c in ctx.csps]
    for fy, q, ms in ctx.quarters():
        rows = []
        for code in demo_codes:
            n = [int(counts.get(((fy, q), code, i), 0)) for i in range(len(model.codes))]
            rows.append((code, n))
        for code, (_name, pop) in MSG_CSPS.items():
            lam = 1700 / 270000 * pop * len(ms) * ctx.scale * level[code] * model.share
            rows.append((code, [int(x) for x in rng.poisson(lam)]))
        out = []
        for code, n in rows:
            name, force = csp_names.loc[code, "csp_name"], csp_names.loc[code, "force_name"]
            for i, (group, subgroup) in enumerate(groups):
                out.append(
                    (
                        fy.replace("-", "/"),
                        q,
                        force,
                        name,
                        model.description[i],
                        group,
                        subgroup,
                        model.codes[i],
                        n[i],
                    )
                )
        frame = pd.DataFrame(
            out,
            columns=[
                "financial_year",
                "financial_quarter",
                "force_name",
                "csp_name",
                "offence_description",
                "offence_group",
                "offence_subgroup",
                "offence_code",
                "number_of_offences",
            ],
        ).sort_values(
            ["force_name", "csp_name", "offence_group", "offence_subgroup"], kind="stable"
        )
        ctx.write_csv(ONS_CSP_CRIME, f"{fy}-Q{q}-ons-csp-crime.csv", frame, ms)
