"""The yearly report as JSON and as files: CSV (``;``, decimal commas) and XLSX (openpyxl, a totals row).

The files are read by people in a French spreadsheet; they say the same as the JSON.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import asdict
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from relais_clauses.domain.counting import Mode
from relais_clauses.domain.eligibility import CRITERIA_LABELS_FR, Criterion
from relais_clauses.domain.reports import ReportRow, ReportTotals


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def as_json(rows: list[ReportRow]) -> list[dict[str, object]]:
    return [{k: _plain(v) for k, v in asdict(row).items()} for row in rows]


def totals_as_json(totals: ReportTotals) -> dict[str, object]:
    return {k: _plain(v) for k, v in asdict(totals).items()}


MODES = [m.value for m in Mode]
MODE_LABELS_FR = {
    Mode.DIRECT_HIRE.value: "embauche directe",
    Mode.STAFF_PROVISION.value: "mise à disposition",
    Mode.SIAE_SUBCONTRACTING.value: "sous-traitance SIAE",
    Mode.TRAINING.value: "formation",
}
CATEGORIES = [c.value for c in Criterion]
# The files are read by people in a French spreadsheet: French headers, in the order of the page.
FLAT_COLUMNS = [
    "Marché (identifiant)",
    "Référence",
    "Acheteur",
    "SIRET du titulaire",
    "Année",
    "Heures",
    "ETP",
    *[f"Heures {MODE_LABELS_FR[m]}" for m in MODES],
    "Participants",
    "Contrats de travail",
    "Femmes",
    "Hommes",
    "Habitants d'un QPV",
    "Moins de 26 ans",
    "26 à 49 ans",
    "50 ans et plus",
    *[f"Public : {CRITERIA_LABELS_FR[Criterion(c)]}" for c in CATEGORIES],
]
NUMBER_COLUMNS = FLAT_COLUMNS.index("Heures")  # from there on, every column is a number


def flat(row: ReportRow | ReportTotals, buyer_names: Mapping[str, str] | None = None) -> list[object]:
    """One line of the files: a contract's row, or the totals (each person once) with a label."""
    if isinstance(row, ReportRow):
        head: list[object] = [
            row.contract_id,
            row.reference,
            (buyer_names or {}).get(row.buyer_org_id) or row.buyer_org_id,
            row.contractor_siret,
            row.year,
        ]
    else:
        head = ["Total (chaque personne une fois)", "", "", "", row.year]
    return [
        *head,
        row.hours,
        row.fte,
        *[row.hours_by_mode.get(m, Decimal("0.00")) for m in MODES],
        row.participants,
        row.work_contracts,
        row.participants_by_sex.get("F", 0),
        row.participants_by_sex.get("M", 0),
        row.participants_in_qpv,
        row.participants_by_age_band.get("under_26", 0),
        row.participants_by_age_band.get("26_49", 0),
        row.participants_by_age_band.get("50_plus", 0),
        *[row.participants_by_category.get(c, 0) for c in CATEGORIES],
    ]


def _french(value: object) -> object:
    """A decimal with a comma: French spreadsheets read "6.19" as a date or text."""
    return f"{value:.2f}".replace(".", ",") if isinstance(value, Decimal) else value


def as_csv(rows: list[ReportRow], buyer_names: Mapping[str, str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")  # French spreadsheets open ';'-separated files as columns
    writer.writerow(FLAT_COLUMNS)
    for row in rows:
        writer.writerow([_french(v) for v in flat(row, buyer_names)])
    return out.getvalue()


def as_xlsx(
    rows: list[ReportRow], totals: ReportTotals, buyer_names: Mapping[str, str] | None = None
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Clauses"
    sheet.append(FLAT_COLUMNS)
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in flat(row, buyer_names)])
    sheet.append([float(v) if isinstance(v, Decimal) else v for v in flat(totals)])
    bold = Font(bold=True)
    for cell in (*sheet[1], *sheet[sheet.max_row]):
        cell.font = bold
    for index in range(1, len(FLAT_COLUMNS) + 1):
        letter = get_column_letter(index)
        # As wide as its longest text (a header, a reference), at least a figure's width, at most 60.
        widest = max(len(str(c.value or "")) for c in sheet[letter])
        sheet.column_dimensions[letter].width = min(60, max(10, widest + 2))
        if index > NUMBER_COLUMNS:
            for c in sheet[letter][1:]:
                c.number_format = "0.00" if isinstance(c.value, float) else "0"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
