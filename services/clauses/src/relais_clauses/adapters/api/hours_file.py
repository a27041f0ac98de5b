"""The contractor's hours file (CSV or XLSX): read all or nothing, every unreadable cell named."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation

from openpyxl import load_workbook

from relais_clauses.domain.hours import HoursLine

HOURS_COLUMNS = ("work_contract_id", "period", "hours", "reference")


class InvalidHoursFile(ValueError):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(f"{len(errors)} erreur(s) dans le fichier : rien n'a été importé.")
        self.errors = errors


def _cells(content: bytes, filename: str) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:
            raise InvalidHoursFile(
                [{"field": "file", "message": f"classeur illisible : {exc}", "code": "file"}]
            ) from exc
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidHoursFile(
            [{"field": "file", "message": "fichier CSV non UTF-8", "code": "encoding"}]
        ) from exc
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "a;b", delimiters=";,")
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def parse_hours_file(
    content: bytes, filename: str
) -> tuple[list[int], list[HoursLine], list[dict[str, str]]]:
    """Rows ``work_contract_id, period (YYYY-MM), hours, reference``: the lines read, their line numbers in
    the file, and every unreadable cell named ``row <n> (<column>)`` (the caller imports nothing then, but
    checks the lines read too, so that one answer lists every bad line)."""
    rows = _cells(content, filename)
    if not rows or [c.strip().lower() for c in rows[0][: len(HOURS_COLUMNS)]] != list(HOURS_COLUMNS):
        raise InvalidHoursFile(
            [{"field": "row 1", "message": f"en-tête attendu : {', '.join(HOURS_COLUMNS)}", "code": "header"}]
        )
    numbers: list[int] = []
    lines: list[HoursLine] = []
    errors: list[dict[str, str]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in [*row, "", "", "", ""][:4]]
        bad: list[dict[str, str]] = []
        work_contract = period = hours = None
        try:
            work_contract = uuid.UUID(cells[0])
        except ValueError:
            bad.append(
                {"column": "work_contract_id", "message": "identifiant de contrat de travail illisible"}
            )
        try:
            year, month = (int(part) for part in cells[1][:7].split("-"))
            period = date(year, month, 1)
        except ValueError:
            bad.append({"column": "period", "message": "période illisible : AAAA-MM attendu (2026-03)"})
        try:
            hours = Decimal(cells[2].replace(",", "."))
            if not hours.is_finite():
                raise InvalidOperation
        except (ValueError, InvalidOperation):
            bad.append({"column": "hours", "message": "heures illisibles : un nombre attendu (35 ou 35,5)"})
        if bad or work_contract is None or period is None or hours is None:
            errors.extend(
                {"field": f"row {number} ({b['column']})", "message": b["message"], "code": "row"}
                for b in bad
            )
            continue
        numbers.append(number)
        lines.append(HoursLine(work_contract, period, hours, cells[3]))
    return numbers, lines, errors


def row_number(error: dict[str, str]) -> int:
    """The file line an error names (``row 12 (hours)`` → 12), to list them in the file's order."""
    found = re.match(r"row (\d+)", error.get("field", ""))
    return int(found.group(1)) if found else 0
