"""Shared machinery of the demo generator: calendar, reference data, seeded RNGs, writers."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .config import CSPS, FORCES, REFERENCE_CSP, DemoCsp
from .sources import file_frame

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEEDS_DIR = REPO_ROOT / "seeds"
POINTS_FILE = Path(__file__).with_name("lsoa_points.csv")  # built by demo/build_points.py
POPULATION_AREA_TYPES = ("csp", "force")
FIXED_ZIP_TIME = (2024, 4, 1, 0, 0, 0)


def parse_month(text: str) -> tuple[int, int]:
    y, m = text.split("-")
    year, month = int(y), int(m)
    if not 1 <= month <= 12:
        raise ValueError(f"bad month {text!r}: expected YYYY-MM")
    return year, month


def month_range(start: str, end: str) -> list[str]:
    y, m = parse_month(start)
    ey, em = parse_month(end)
    if (y, m) > (ey, em):
        raise ValueError(f"start {start} is after end {end}")
    out = []
    while (y, m) <= (ey, em):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def fy_of(month: str) -> tuple[str, int]:
    """('2024-25', quarter 1..4) of a YYYY-MM month."""
    y, m = parse_month(month)
    fy_start = y if m >= 4 else y - 1
    quarter = ((m - 4) % 12) // 3 + 1
    return f"{fy_start}-{(fy_start + 1) % 100:02d}", quarter


def fy_label(month: str) -> str:
    """'2024/25 Q1' of a YYYY-MM month."""
    fy, q = fy_of(month)
    return f"{fy.replace('-', '/')} Q{q}"


def fy_start_date(month: str) -> np.datetime64:
    y, m = parse_month(month)
    return np.datetime64(f"{y if m >= 4 else y - 1:04d}-04-01")


def month_start(month: str) -> np.datetime64:
    return np.datetime64(f"{month}-01")


def month_end(month: str) -> np.datetime64:
    return (np.datetime64(month, "M") + 1).astype("datetime64[D]") - 1


def days_in(month: str) -> int:
    return int((month_end(month) - month_start(month)).astype(int)) + 1


def seasonal(months: list[str], amplitude: float, peak_month: int) -> np.ndarray:
    cal = np.array([parse_month(m)[1] for m in months])
    return 1.0 + amplitude * np.cos(2 * np.pi * (cal - peak_month) / 12.0)


def dates_to_str(dates: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(dates.astype("datetime64[D]"), unit="D")


@dataclass
class Reference:
    """The seeds the demo reads, each by column name (other columns are ignored): LSOAs
    (`areas.csv`: lsoa_code, lsoa_name, csp_code), the offence classification, CSP and force
    populations (`population.csv`: area_code, area_type, year, population) and the map points
    of the demo LSOAs (`lsoa_points.csv`)."""

    areas: pd.DataFrame
    offences: pd.DataFrame
    population: dict[tuple[str, int], int]
    points: pd.DataFrame

    @classmethod
    def load(cls, seeds_dir: Path | None = None) -> Reference:
        seeds = Path(seeds_dir) if seeds_dir else DEFAULT_SEEDS_DIR
        areas = pd.read_csv(seeds / "areas.csv", dtype=str, keep_default_na=False)
        offences = pd.read_csv(
            seeds / "offence_classification.csv", dtype=str, keep_default_na=False
        )
        pop = pd.read_csv(seeds / "population.csv", dtype=str, keep_default_na=False)
        pop = pop[pop.area_type.isin(POPULATION_AREA_TYPES) & (pop.population != "")]
        population = {
            (code, int(year)): int(float(value))
            for code, year, value in zip(pop.area_code, pop.year, pop.population, strict=True)
        }
        points = pd.read_csv(POINTS_FILE, dtype=str, keep_default_na=False)
        points = points.sort_values("lsoa_code", kind="stable").reset_index(drop=True)
        return cls(areas, offences, population, points)

    def pop(self, code: str, year: int) -> int:
        """Population of a CSP or force in `year`, clamped to the nearest year available."""
        years = sorted(y for (c, y) in self.population if c == code)
        if not years:
            raise KeyError(f"no population for {code} in seeds/population.csv")
        year = min(max(year, years[0]), years[-1])
        return self.population[(code, year)]

    def lsoas(self, csp_code: str) -> pd.DataFrame:
        """The CSP's LSOAs that have a published map point, the only ones the demo uses."""
        areas = self.areas
        rows = areas[(areas.csp_code == csp_code) & areas.lsoa_code.isin(self.points.lsoa_code)]
        rows = rows.sort_values("lsoa_code")
        if rows.empty:
            raise KeyError(
                f"CSP {csp_code} has no LSOA in both seeds/areas.csv and {POINTS_FILE.name} "
                "(python -m demo.build_points builds the points)"
            )
        return rows.reset_index(drop=True)


@dataclass
class Context:
    out_dir: Path
    months: list[str]
    scale: float
    seed: int
    ref: Reference
    files: list[dict] = field(default_factory=list)
    restated: list[dict] = field(default_factory=list)
    late: list[dict] = field(default_factory=list)

    @property
    def csps(self) -> list[DemoCsp]:
        return CSPS

    @property
    def forces(self):
        return FORCES

    def rng(self, *key: object) -> np.random.Generator:
        """An RNG that depends only on the seed and the key, so sources are independent."""
        digest = zlib.crc32("/".join(map(str, key)).encode())
        return np.random.default_rng(np.random.SeedSequence([self.seed, digest]))

    def size_factor(self, csp: DemoCsp) -> float:
        """Population of the CSP relative to the reference CSP (mid-year of the first month)."""
        year = parse_month(self.months[0])[0]
        return self.ref.pop(csp.code, year) / self.ref.pop(REFERENCE_CSP, year)

    def csp_index(self, csp: DemoCsp) -> int:
        return [c.code for c in CSPS].index(csp.code) + 1

    def quarters(self) -> list[tuple[str, int, list[str]]]:
        """(fy, quarter, months of the quarter within the range), in order."""
        out: dict[tuple[str, int], list[str]] = {}
        for m in self.months:
            out.setdefault(fy_of(m), []).append(m)
        return [(fy, q, ms) for (fy, q), ms in out.items()]

    # -- writers ----------------------------------------------------------------------------
    def _record(self, source: str, rel: str, data: bytes, rows: int, periods, kind: str):
        path = self.out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entry = {
            "source": source,
            "file": rel,
            "rows": rows,
            "periods": sorted(set(periods)),
            "kind": kind,
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        self.files.append(entry)
        return entry

    def write_csv(
        self,
        source: str,
        name: str,
        frame: pd.DataFrame,
        periods,
        kind: str = "original",
        encoding: str = "utf-8",
        newline: str = "\n",
    ) -> dict:
        frame = file_frame(source, frame)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator=newline)
        writer.writerow(frame.columns)
        columns = [frame[c].tolist() for c in frame.columns]  # fast path; no per-cell pandas
        writer.writerows(zip(*columns, strict=True))
        data = buf.getvalue().encode(encoding)
        return self._record(source, f"{source}/{name}", data, len(frame), periods, kind)

    def write_xlsx(
        self,
        source: str,
        name: str,
        frame: pd.DataFrame,
        periods,
        title_rows: list[str],
        kind: str = "original",
    ) -> dict:
        import datetime as dt

        from openpyxl import Workbook

        frame = file_frame(source, frame)
        wb = Workbook()
        ws = wb.active
        ws.title = "Return"
        for t in title_rows:
            ws.append([t])
        ws.append([])
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False, name=None):
            ws.append([None if (isinstance(v, str) and v == "") else v for v in row])
        fixed = dt.datetime(*FIXED_ZIP_TIME)
        wb.properties.created = fixed
        wb.properties.modified = fixed
        wb.properties.creator = "demo"
        raw = io.BytesIO()
        wb.save(raw)
        # openpyxl stamps each zip member with the current time: rewrite with a fixed one
        out = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(raw.getvalue())) as zin,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
        ):
            for info in zin.infolist():
                zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = info.external_attr
                content = zin.read(info.filename)
                if info.filename == "docProps/core.xml":  # save() stamps `modified` with now
                    content = re.sub(
                        rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                        rb"\g<1>2024-04-01T00:00:00Z\g<2>",
                        content,
                    )
                zout.writestr(zi, content)
        return self._record(source, f"{source}/{name}", out.getvalue(), len(frame), periods, kind)
