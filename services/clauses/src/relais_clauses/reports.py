"""Reports of insertion clauses (as the national network consolidates them) and the contractor's hours files.

A report row is one contract and a year: hours counted in the year (by mode), FTE (1,600 h), participants
and work contracts, by public category (the eligibility criteria), sex, age band and QPV residence. The
same rows are served as JSON, CSV and XLSX (openpyxl); the files say the same as the JSON.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from relais_clauses.domain import counting
from relais_clauses.domain.counting import ContractType, CountingRules, Declaration, Mode, WorkContract
from relais_clauses.domain.eligibility import CRITERIA_LABELS_FR, Criterion
from relais_clauses.models import (
    ContractRow,
    EligibilityDecisionRow,
    HourDeclarationRow,
    ParticipantRow,
    WorkContractRow,
)
from relais_clauses.service_layer import HoursLine, UnitOfWork, rules_of


@dataclass
class ReportRow:
    contract_id: str
    reference: str
    buyer_org_id: str
    contractor_siret: str
    year: int
    hours: Decimal
    fte: Decimal
    hours_by_mode: dict[str, Decimal]
    participants: int
    work_contracts: int
    participants_by_category: dict[str, int] = field(default_factory=dict)
    participants_by_sex: dict[str, int] = field(default_factory=dict)
    participants_by_age_band: dict[str, int] = field(default_factory=dict)
    participants_in_qpv: int = 0


@dataclass
class ReportTotals:
    """The report's figures over all its contracts: a person hired on two contracts is one participant
    (and is described once, by their first work contract of the year)."""

    year: int
    hours: Decimal
    fte: Decimal
    hours_by_mode: dict[str, Decimal]
    participants: int
    work_contracts: int
    participants_by_category: dict[str, int] = field(default_factory=dict)
    participants_by_sex: dict[str, int] = field(default_factory=dict)
    participants_by_age_band: dict[str, int] = field(default_factory=dict)
    participants_in_qpv: int = 0


async def yearly_report(uow: UnitOfWork, contracts: list[ContractRow], year: int) -> list[ReportRow]:
    return (await yearly_summary(uow, contracts, year))[0]


async def yearly_summary(
    uow: UnitOfWork, contracts: list[ContractRow], year: int
) -> tuple[list[ReportRow], ReportTotals]:
    """Counted with each contract's counting rules, on the declarations of periods within ``year`` and the
    flat amounts of work contracts starting in ``year``; the totals count each person once."""
    window = (date(year, 1, 1), date(year, 12, 31))
    work = await uow.db.work_contracts([c.id for c in contracts])
    # Plain tuples, filtered by year in SQL, grouped once: a Nantes year has tens of thousands of lines.
    declared = await uow.session.execute(
        select(
            HourDeclarationRow.work_contract_id,
            HourDeclarationRow.period,
            HourDeclarationRow.version,
            HourDeclarationRow.hours,
        ).where(
            HourDeclarationRow.work_contract_id.in_([w.id for w in work]),
            HourDeclarationRow.period >= date(year, 1, 1),
            HourDeclarationRow.period < date(year + 1, 1, 1),
        )
    )
    by_work: dict[uuid.UUID, list[Declaration]] = defaultdict(list)
    for work_id, period, version, amount in declared.all():
        by_work[work_id].append(Declaration(work_id, period, version, amount))
    work_by_contract: dict[uuid.UUID, list[WorkContractRow]] = defaultdict(list)
    for w in work:
        work_by_contract[w.contract_id].append(w)
    participants = {
        p.id: p
        for p in (
            await uow.session.execute(
                select(ParticipantRow).where(ParticipantRow.id.in_({w.participant_id for w in work}))
            )
        ).scalars()
    }
    decisions = {
        d.id: d
        for d in (
            await uow.session.execute(
                select(EligibilityDecisionRow).where(
                    EligibilityDecisionRow.id.in_({w.decision_id for w in work})
                )
            )
        ).scalars()
    }
    rows = []
    everyone: dict[uuid.UUID, WorkContractRow] = {}  # person -> their first work contract of the year
    operations: dict[uuid.UUID, uuid.UUID] = {}
    rule_sets: dict[tuple[uuid.UUID, int | None], CountingRules] = {}
    for contract in contracts:
        if contract.operation_id not in operations:
            operation = await uow.db.operation(contract.operation_id)
            operations[contract.operation_id] = operation.buyer_org_id if operation else uuid.UUID(int=0)
        buyer = operations[contract.operation_id]
        if (buyer, contract.rules_version) not in rule_sets:
            rule_sets[(buyer, contract.rules_version)] = rules_of(
                await uow.db.rules(buyer, contract.rules_version)
            )
        rules = rule_sets[(buyer, contract.rules_version)]
        mine = work_by_contract.get(contract.id, [])
        counted = counting.count(
            [_work(w) for w in mine],
            [d for w in mine for d in by_work.get(w.id, [])],
            rules,
            window,
        )
        # A participant counts in the year when one of their work contracts has hours declared in it, or
        # starts in it with a flat amount (a CDI counted as N hours, credited the year it starts).
        active_work = {
            w.id
            for w in mine
            if by_work.get(w.id)
            or (w.contract_type in rules.flat_hours and counting.flat_counts(_work(w), window))
        }
        people = {w.participant_id: w for w in mine if w.id in active_work}
        for w in people.values():
            first = everyone.get(w.participant_id)
            if first is None or (w.starts_on, str(w.id)) < (first.starts_on, str(first.id)):
                everyone[w.participant_id] = w
        category, sex, age, qpv = _describe(people, participants, decisions)
        rows.append(
            ReportRow(
                contract_id=str(contract.id),
                reference=contract.reference,
                buyer_org_id=str(buyer),
                contractor_siret=contract.contractor_siret,
                year=year,
                hours=counted.total,
                fte=counting.fte(counted.total),
                hours_by_mode=counted.by_mode,
                participants=len(people),
                work_contracts=len(active_work),
                participants_by_category=dict(sorted(category.items())),
                participants_by_sex=dict(sorted(sex.items())),
                participants_by_age_band=dict(sorted(age.items())),
                participants_in_qpv=qpv,
            )
        )
    category, sex, age, qpv = _describe(everyone, participants, decisions)
    by_mode: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        for mode, amount in row.hours_by_mode.items():
            by_mode[mode] += amount
    total = sum((row.hours for row in rows), Decimal("0.00"))
    totals = ReportTotals(
        year=year,
        hours=total,
        fte=counting.fte(total),
        hours_by_mode=dict(sorted(by_mode.items())),
        participants=len(everyone),
        work_contracts=sum(row.work_contracts for row in rows),
        participants_by_category=dict(sorted(category.items())),
        participants_by_sex=dict(sorted(sex.items())),
        participants_by_age_band=dict(sorted(age.items())),
        participants_in_qpv=qpv,
    )
    return rows, totals


def _work(w: WorkContractRow) -> WorkContract:
    return WorkContract(w.id, w.participant_id, Mode(w.mode), ContractType(w.contract_type), w.starts_on)


def _describe(
    people: dict[uuid.UUID, WorkContractRow],
    participants: dict[uuid.UUID, ParticipantRow],
    decisions: dict[uuid.UUID, EligibilityDecisionRow],
) -> tuple[Counter[str], Counter[str], Counter[str], int]:
    """Each person once: public category (the first criterion of the decision of the work contract
    given), sex, age band, and how many live in a QPV."""
    category = Counter(
        decisions[w.decision_id].criteria[0] for w in people.values() if w.decision_id in decisions
    )
    sex = Counter((participants[p].sex or "non_renseigne") for p in people if p in participants)
    age = Counter((participants[p].age_band or "non_renseigne") for p in people if p in participants)
    qpv = sum(1 for p in people if p in participants and participants[p].qpv_resident)
    return category, sex, age, qpv


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


# --- the contractor's hours file -------------------------------------------------------------------------

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
