"""Reports of insertion clauses (as the national network consolidates them) and the contractor's hours files.

A report row is one contract and a year: hours counted in the year (by mode), FTE (1,600 h), participants
and work contracts, by public category (the eligibility criteria), sex, age band and QPV residence. The
same rows are served as JSON, CSV and XLSX (openpyxl); the files say the same as the JSON.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from relais_clauses.domain import counting
from relais_clauses.domain.counting import ContractType, CountingRules, Declaration, Mode, WorkContract
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


async def yearly_report(uow: UnitOfWork, contracts: list[ContractRow], year: int) -> list[ReportRow]:
    """Counted with each contract's counting rules, on the declarations of periods within ``year``."""
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
            [
                WorkContract(w.id, w.participant_id, Mode(w.mode), ContractType(w.contract_type), w.starts_on)
                for w in mine
            ],
            [d for w in mine for d in by_work.get(w.id, [])],
            rules,
        )
        active_work = {w.id for w in mine if by_work.get(w.id)}
        # A participant counts in the year when one of their work contracts has hours declared in it.
        people = {w.participant_id: w for w in mine if w.id in active_work}
        category = Counter(
            decisions[w.decision_id].criteria[0] for w in people.values() if w.decision_id in decisions
        )
        sex = Counter((participants[p].sex or "non_renseigne") for p in people if p in participants)
        age = Counter((participants[p].age_band or "non_renseigne") for p in people if p in participants)
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
                participants_in_qpv=sum(
                    1 for p in people if p in participants and participants[p].qpv_resident
                ),
            )
        )
    return rows


def as_json(rows: list[ReportRow]) -> list[dict[str, object]]:
    def plain(value: object) -> object:
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return [{k: plain(v) for k, v in asdict(row).items()} for row in rows]


MODES = [m.value for m in Mode]
FLAT_COLUMNS = [
    "contract_id",
    "reference",
    "buyer_org_id",
    "contractor_siret",
    "year",
    "hours",
    "fte",
    *[f"hours_{m}" for m in MODES],
    "participants",
    "work_contracts",
    "participants_female",
    "participants_male",
    "participants_in_qpv",
    "participants_under_26",
    "participants_26_49",
    "participants_50_plus",
]


def flat(row: ReportRow) -> list[object]:
    return [
        row.contract_id,
        row.reference,
        row.buyer_org_id,
        row.contractor_siret,
        row.year,
        float(row.hours),
        float(row.fte),
        *[float(row.hours_by_mode.get(m, Decimal("0"))) for m in MODES],
        row.participants,
        row.work_contracts,
        row.participants_by_sex.get("F", 0),
        row.participants_by_sex.get("M", 0),
        row.participants_in_qpv,
        row.participants_by_age_band.get("under_26", 0),
        row.participants_by_age_band.get("26_49", 0),
        row.participants_by_age_band.get("50_plus", 0),
    ]


def as_csv(rows: list[ReportRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")  # French spreadsheets open ';'-separated files as columns
    writer.writerow(FLAT_COLUMNS)
    for row in rows:
        writer.writerow(flat(row))
    return out.getvalue()


def as_xlsx(rows: list[ReportRow]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Clauses"
    sheet.append(FLAT_COLUMNS)
    for row in rows:
        sheet.append(flat(row))
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


def parse_hours_file(content: bytes, filename: str) -> tuple[list[int], list[HoursLine]]:
    """Rows ``work_contract_id, period (YYYY-MM), hours, reference``; every bad row is named, with its line
    number in the file, and a file with any bad row gives nothing."""
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
        cells = [*row, "", "", "", ""][:4]
        try:
            work_contract = uuid.UUID(cells[0].strip())
            year, month = (int(part) for part in cells[1].strip()[:7].split("-"))
            period = date(year, month, 1)
            hours = Decimal(cells[2].strip().replace(",", "."))
            if not hours.is_finite():
                raise InvalidOperation
        except (ValueError, InvalidOperation):
            errors.append(
                {
                    "field": f"row {number}",
                    "message": "contrat de travail, période AAAA-MM ou heures illisibles",
                    "code": "row",
                }
            )
            continue
        numbers.append(number)
        lines.append(HoursLine(work_contract, period, hours, cells[3].strip()))
    if errors:
        raise InvalidHoursFile(errors)
    return numbers, lines
