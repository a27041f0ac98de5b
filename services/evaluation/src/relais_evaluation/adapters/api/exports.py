"""Exports: an indicator as CSV or XLSX (openpyxl) (a campaign's report: ``report.py``).

In tables, a suppressed cell is written « s » (secret statistique, as INSEE writes it) and a total row
says « Total »; no export carries anything the JSON does not.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from relais_evaluation.adapters.api.schemas import IndicatorTable
from relais_evaluation.domain.indicators import DIMENSIONS

SUPPRESSED = "s"
TOTAL = "Total"


def indicator_rows(table: IndicatorTable) -> list[list[Any]]:
    header = [DIMENSIONS.get(d, d) for d in table.group_by] + [m.label for m in table.measures]
    rows: list[list[Any]] = [header]
    for row in table.rows:
        line: list[Any] = [TOTAL if row.dimensions[d] is None else row.dimensions[d] for d in table.group_by]
        for measure in table.measures:
            cell = row.values[measure.key]
            line.append(SUPPRESSED if cell.suppressed else ("" if cell.value is None else cell.value))
        rows.append(line)
    return rows


def _french(value: Any) -> Any:
    """A decimal as a French spreadsheet reads it (« 4,1899 », at most four decimals); the rest as is."""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".").replace(".", ",")
    return value


def indicator_csv(table: IndicatorTable) -> bytes:
    buffer = io.StringIO()
    # Semicolons, decimal commas and a BOM: what a French spreadsheet opens without asking.
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        [f"{table.label} — du {table.period_from} au {table.period_to} (seuil {table.threshold})"]
    )
    writer.writerows([_french(cell) for cell in row] for row in indicator_rows(table))
    return ("\ufeff" + buffer.getvalue()).encode()


def indicator_xlsx(table: IndicatorTable) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.indicator[:31]
    sheet.append([f"{table.label} — du {table.period_from} au {table.period_to} (seuil {table.threshold})"])
    sheet["A1"].font = Font(bold=True)
    for line in indicator_rows(table):
        sheet.append(line)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
