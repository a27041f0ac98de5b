"""The insertion-clause pages: the contracts of one's perimeter and their progress, a contract's hires,
hours (form and file) and penalty procedure, the facilitator's eligibility decisions, the yearly report.

The clauses API decides who sees and does what (the user's token is forwarded): the pages only offer the
forms that the user's role may use, and show the API's refusals as they come.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from relais_portal import i18n
from relais_portal.clauses_api import ClausesApi
from relais_portal.i18n import N_, Translated
from relais_portal.i18n import gettext as _
from relais_portal.referral_api import FIELD_MESSAGES, ApiProblem
from relais_portal.session import Session
from relais_portal.web import clauses_labels
from relais_portal.web.deps import (
    PARIS,
    TEMPLATES,
    CsrfSession,
    CurrentSession,
    Directory,
    DirectoryDep,
    render,
    unknown_action,
)

router = APIRouter(prefix="/clauses", tags=["clauses"])
TEMPLATES.env.globals.update(clauses_labels=clauses_labels)

# Pydantic's codes the clauses forms meet beyond those of the referral forms.
CLAUSE_FIELD_MESSAGES = Translated(
    {
        "decimal_parsing": N_("Indiquez un nombre (par exemple 35 ou 35,5)."),
        "decimal_type": N_("Indiquez un nombre (par exemple 35 ou 35,5)."),
        "greater_than_equal": N_("Ce nombre ne peut pas être négatif."),
        "less_than_equal": N_("Ce nombre est trop grand."),
        "decimal_max_places": N_("Deux décimales au plus."),
        "uuid_parsing": N_("Identifiant invalide : collez l'identifiant complet du participant."),
    }
)
DONE = Translated(
    {
        "heures": N_("Heures enregistrées : l'avancement du marché est à jour."),
        "correction": N_("Correction enregistrée : la nouvelle déclaration remplace la précédente."),
        "import": N_("Fichier importé : toutes ses lignes sont enregistrées."),
        "observations": N_("Observations enregistrées : l'acheteur peut maintenant arrêter la pénalité."),
        "decision": N_("Décision enregistrée : la pénalité est arrêtée."),
        "embauche": N_("Embauche enregistrée : ses heures peuvent maintenant être déclarées."),
        "eligibilite": N_("Éligibilité validée : le participant peut être embauché au titre de la clause."),
    }
)
ROW = re.compile(r"^row (\d+)(?: \((\w+)\))?$")
DECLARATIONS_PER_PAGE = 40
HOURS_FILE_TYPES = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def clauses_api_of(request: Request, session: CurrentSession) -> ClausesApi:
    return ClausesApi(request.app.state.clauses_http, session.token)


Api = Annotated[ClausesApi, Depends(clauses_api_of)]


def sentence(text: str) -> str:
    """The API's details are phrases ("la fin du marché…"): shown alone, they start with a capital."""
    return text[:1].upper() + text[1:]


def field_errors(problem: ApiProblem) -> dict[str, str]:
    """Field name (last part of its path) → message: ours for Pydantic's codes, else the API's words."""
    errors: dict[str, str] = {}
    for error in problem.body.get("errors") or []:
        errors.setdefault(str(error.get("field", "")).split(".")[-1], _message(error))
    return errors


def _message(error: dict[str, Any]) -> str:
    code = str(error.get("code"))
    return sentence(CLAUSE_FIELD_MESSAGES.get(code) or FIELD_MESSAGES.get(code) or str(error.get("message")))


def file_errors(problem: ApiProblem) -> list[str]:
    """The rows an hours file was refused for, each named as the contractor finds it in the file."""
    lines = []
    for error in problem.body.get("errors") or []:
        found = ROW.match(str(error.get("field", "")))
        message = str(error.get("message", ""))
        if found and found.group(2):
            column = clauses_labels.FILE_COLUMNS.get(found.group(2), found.group(2))
            lines.append(
                _("Ligne {row} ({column}) : {message}").format(
                    row=found.group(1), column=column, message=message
                )
            )
        elif found:
            lines.append(_("Ligne {row} : {message}").format(row=found.group(1), message=message))
        else:
            lines.append(message)
    return lines


def _today() -> date:
    return datetime.now(PARIS).date()


async def _names(directory: Directory, ids: set[str]) -> dict[str, str]:
    """Organisation names from the directory; an organisation it does not know keeps no name (the page
    then shows the SIRET the contract holds)."""
    names = {}
    for org_id in ids:
        org = await directory.organisation(org_id)
        if org.get("kind"):
            names[org_id] = org["name"]
    return names


def _state(contract: dict[str, Any], today: date) -> tuple[str, str]:
    """A contract's state as a badge: its class and its words."""
    progress = contract.get("progress") or {}
    if date.fromisoformat(contract["ends_on"]) < today:
        return "info", _("Terminé")  # at risk no longer means anything: the reconciliation says the rest
    if progress.get("at_risk"):
        return "error", _("En risque")
    if date.fromisoformat(contract["starts_on"]) > today:
        return "new", _("À venir")
    return "success", _("Dans les temps")


def _period_name(day: str | date, reporting_period: str) -> str:
    """A period as people say it: "février 2026", "2e trimestre 2026" (never "2026-02")."""
    pattern = "QQQQ y" if reporting_period == "quarter" else "LLLL y"
    value = date.fromisoformat(day[:10]) if isinstance(day, str) else day
    return str(format_date(value, pattern, locale=i18n.current()))


def _overdue(contract: dict[str, Any]) -> list[dict[str, str]]:
    """The periods the monitor reminded and that are still undeclared, named as people say them
    ("février 2026", "2e trimestre 2026"), each with the day of its reminder."""
    return [
        {
            "period": _period_name(o["period"], contract.get("reporting_period", "month")),
            "reminded_on": o["reminded_on"],
        }
        for o in contract.get("overdue_declarations") or []
    ]


def _bar(progress: dict[str, Any], state: tuple[str, str]) -> dict[str, Any]:
    required = progress.get("required", 0)
    return {
        "realised": progress.get("realised", 0),
        "required": required,
        "expected": progress.get("expected_to_date", 0),
        "realised_pct": clauses_labels.share(progress.get("realised", 0), required),
        "percent": clauses_labels.percent(progress.get("realised", 0), required),
        "expected_pct": clauses_labels.share(progress.get("expected_to_date", 0), required),
        "at_risk": state[0] == "error",
    }


@router.get("", response_class=HTMLResponse, summary="Clauses sociales : les marchés de son périmètre")
async def contracts_page(
    request: Request,
    session: CurrentSession,
    api: Api,
    directory: DirectoryDep,
    risque: str = "",
    retard: str = "",
    q: str = "",
) -> Response:
    contracts: list[dict[str, Any]] = await api.get("/v1/contracts")
    today = _today()
    for c in contracts:
        c["state"] = _state(c, today)
        c["bar"] = _bar(c.get("progress") or {}, c["state"])
        c["overdue"] = int(c.get("overdue_periods") or 0)
    words = q.strip().lower()
    shown = [
        c
        for c in contracts
        if (not risque or c["bar"]["at_risk"])
        and (not retard or c["overdue"])
        and (
            not words
            or words in " ".join([c["reference"], c.get("lot") or "", c.get("operation_name", "")]).lower()
        )
    ]
    operations: dict[str, dict[str, Any]] = {}
    for c in shown:
        group = operations.setdefault(
            c["operation_id"],
            {"name": c.get("operation_name", ""), "buyer_org_id": c.get("buyer_org_id"), "contracts": []},
        )
        group["contracts"].append(c)
    names = await _names(
        directory,
        {str(c.get("buyer_org_id")) for c in shown if c.get("buyer_org_id")}
        | {c["contractor_org_id"] for c in shown},
    )
    totals = {
        "contracts": len(contracts),
        "at_risk": sum(1 for c in contracts if c["bar"]["at_risk"]),
        "overdue": sum(1 for c in contracts if c["overdue"]),
        # Every hour realised on the contracts (what the bilan adds up), and of them what counts toward the
        # obligations: with pooling, a contract's hours beyond its own obligation go to another's or stay
        # the group's surplus, counted in the first figure only.
        "realised": sum(Decimal(str((c.get("progress") or {}).get("own", 0))) for c in contracts),
        "credited": sum(Decimal(str((c.get("progress") or {}).get("realised", 0))) for c in contracts),
        "required": sum(Decimal(str((c.get("progress") or {}).get("required", 0))) for c in contracts),
    }
    return render(
        request,
        "clauses/contracts.html",
        session,
        operations=sorted(operations.values(), key=lambda o: o["name"]),
        shown=len(shown),
        totals=totals,
        names=names,
        risque=bool(risque),
        retard=bool(retard),
        q=q,
    )


def _viewer(contract: dict[str, Any], session: Session) -> dict[str, bool]:
    """Which forms to offer (the API decides anyway): by the user's role and organisation."""
    org = session.org_id
    return {
        "facilitator": session.role == "facilitator" and contract["facilitator_org_id"] == org,
        "contractor": session.role == "employer" and contract["contractor_org_id"] == org,
        "buyer": session.role == "buyer" and str(contract.get("buyer_org_id")) == org,
    }


async def _contract_page(
    request: Request,
    session: Session,
    api: ClausesApi,
    directory: Directory,
    contract_id: uuid.UUID,
    status_code: int = 200,
    page: int = 1,
    **extra: Any,
) -> Response:
    contract = await api.get(f"/v1/contracts/{contract_id}")
    hires = await api.get(f"/v1/contracts/{contract_id}/work-contracts")
    declarations = await api.get(f"/v1/contracts/{contract_id}/hours")
    obligation = await api.get(f"/v1/contracts/{contract_id}/obligation")
    names = await _names(
        directory,
        {
            contract["contractor_org_id"],
            contract["facilitator_org_id"],
            str(contract.get("buyer_org_id") or ""),
        }
        - {""},
    )
    by_period: dict[str, dict[str, Any]] = defaultdict(lambda: {"hours": Decimal(0), "lines": 0})
    for d in declarations:
        if d["current"]:
            by_period[d["period"]]["hours"] += Decimal(str(d["hours"]))
            by_period[d["period"]]["lines"] += 1
    state = _state(contract, _today())
    pages = max(1, -(-len(declarations) // DECLARATIONS_PER_PAGE))
    page = min(max(1, page), pages)
    return render(
        request,
        "clauses/contract.html",
        session,
        status_code,
        contract=contract,
        state=state,
        bar=_bar(contract.get("progress") or {}, state),
        hires=hires,
        hires_by_id={h["id"]: h for h in hires},
        missing=[h for h in hires if h.get("missing_periods")],
        period_name=lambda day: _period_name(day, contract.get("reporting_period", "month")),
        declarations=declarations[(page - 1) * DECLARATIONS_PER_PAGE : page * DECLARATIONS_PER_PAGE],
        declarations_total=len(declarations),
        declarations_page=page,
        declarations_pages=pages,
        per_page=DECLARATIONS_PER_PAGE,
        periods=sorted(by_period.items(), reverse=True),
        obligation=obligation,
        overdue=_overdue(contract),
        names=names,
        viewer=_viewer(contract, session),
        done=DONE.get(request.query_params.get("fait", "")),
        this_month=f"{_today():%Y-%m}",
        **extra,
    )


# Each form of the contract page: its title, and per field the id of its input and its label. A refused
# form comes back with a summary at the top of the page (the form may be 2,000 px below) whose links lead to
# the fields.
FORMS: dict[str, tuple[str, str, dict[str, tuple[str, str]]]] = {
    "heures": (
        N_("Déclarer des heures"),
        "titre-declarer",
        {
            "work_contract_id": ("work_contract_id", N_("Contrat de travail")),
            "period": ("period", N_("Période")),
            "hours": ("hours", N_("Heures")),
            "reference": ("reference", N_("Justificatif")),
        },
    ),
    "import": (N_("Importer un fichier d'heures"), "fichier-heures", {}),
    "embauche": (
        N_("Enregistrer une embauche"),
        "legende-embauche",
        {
            name: (f"embauche-{name}", label)
            for name, label in (
                ("participant_id", N_("Identifiant du participant")),
                ("mode", N_("Mode d'exécution")),
                ("contract_type", N_("Type de contrat")),
                ("starts_on", N_("Début du contrat")),
                ("ends_on", N_("Fin du contrat")),
                ("weekly_hours", N_("Heures par semaine")),
                ("employer_siret", N_("SIRET de l'employeur")),
            )
        },
    ),
    "observations": (
        N_("Présenter mes observations"),
        "titre-penalite",
        {"reference": ("observations-reference", N_("Référence de votre courrier d'observations"))},
    ),
    "decision": (
        N_("Arrêter la pénalité"),
        "titre-penalite",
        {"amount": ("amount", N_("Montant arrêté (€)"))},
    ),
}


def error_summary(failed: str, errors: dict[str, str], problem: str) -> dict[str, Any]:
    """What the top of the page says of a refused form: its title, and a link to each field refused (or
    to the form when the refusal names no field)."""
    title, anchor, fields = FORMS[failed]
    links = [
        {"href": f"#{fields[name][0]}", "text": f"{_(fields[name][1])} : {message}"}
        for name, message in errors.items()
        if name in fields
    ]
    if not links:
        links = [{"href": f"#{anchor}", "text": problem}]
    return {"title": _(title), "links": links}


async def _refused_form(
    request: Request,
    session: Session,
    api: ClausesApi,
    directory: Directory,
    contract_id: uuid.UUID,
    problem: ApiProblem,
    values: dict[str, str],
    form: str,
) -> Response:
    """The contract's page again, the API's refusal of ``form`` next to its fields, what was typed kept."""
    return await _contract_page(
        request,
        session,
        api,
        directory,
        contract_id,
        422,
        errors=field_errors(problem),
        problem=sentence(problem.message),
        values=values,
        failed=form,
        summary=error_summary(form, field_errors(problem), sentence(problem.message)),
    )


@router.get("/marches/{contract_id}", response_class=HTMLResponse, summary="Un marché et sa clause")
async def contract_page(
    request: Request,
    contract_id: uuid.UUID,
    session: CurrentSession,
    api: Api,
    directory: DirectoryDep,
    declarations: int = 1,
) -> Response:
    return await _contract_page(request, session, api, directory, contract_id, page=declarations)


def _period(month: str) -> str:
    """The month field's "2026-11" is the period starting on 2026-11-01; anything else goes as typed."""
    return f"{month}-01" if re.fullmatch(r"\d{4}-\d{2}", month.strip()) else month.strip()


@router.post("/marches/{contract_id}/heures", summary="Déclarer des heures")
async def declare_hours(
    request: Request,
    contract_id: uuid.UUID,
    session: CsrfSession,
    api: Api,
    directory: DirectoryDep,
    work_contract_id: Annotated[str, Form()] = "",
    period: Annotated[str, Form()] = "",
    hours: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
) -> Response:
    values = {"work_contract_id": work_contract_id, "period": period, "hours": hours, "reference": reference}
    line = {
        "work_contract_id": work_contract_id,
        "period": _period(period),
        "hours": hours.strip().replace(",", "."),  # French decimals
        "reference": reference.strip(),
    }
    try:
        receipt = await api.post(
            f"/v1/contracts/{contract_id}/hours", {"lines": [{k: v for k, v in line.items() if v}]}
        )
    except ApiProblem as problem:
        if problem.status in (401, 403, 404):
            raise
        return await _refused_form(request, session, api, directory, contract_id, problem, values, "heures")
    done = "correction" if receipt and receipt.get("corrections") else "heures"
    return RedirectResponse(f"/clauses/marches/{contract_id}?fait={done}#avancement", status_code=303)


@router.post("/marches/{contract_id}/embauches", summary="Enregistrer une embauche (facilitateur)")
async def record_hire(
    request: Request, contract_id: uuid.UUID, session: CsrfSession, api: Api, directory: DirectoryDep
) -> Response:
    form = await request.form()
    names = (
        "participant_id",
        "mode",
        "contract_type",
        "starts_on",
        "ends_on",
        "weekly_hours",
        "employer_siret",
    )
    values = {name: str(form.get(name, "")).strip() for name in names}
    body: dict[str, Any] = {name: value for name, value in values.items() if value}
    if "weekly_hours" in body:
        body["weekly_hours"] = body["weekly_hours"].replace(",", ".")  # French decimals
    if "employer_siret" in body:
        body["employer_siret"] = body["employer_siret"].replace(" ", "")
    try:
        await api.post(f"/v1/contracts/{contract_id}/work-contracts", body)
    except ApiProblem as problem:
        if problem.status in (401, 403, 404):
            raise
        return await _refused_form(request, session, api, directory, contract_id, problem, values, "embauche")
    return RedirectResponse(f"/clauses/marches/{contract_id}?fait=embauche#titre-embauches", status_code=303)


@router.post("/marches/{contract_id}/heures/import", summary="Importer un fichier d'heures")
async def import_hours(
    request: Request,
    contract_id: uuid.UUID,
    session: CsrfSession,
    api: Api,
    directory: DirectoryDep,
    file: UploadFile | None = None,
) -> Response:
    name = (file.filename or "") if file else ""
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    problem_text, rows = "", []
    if not name:
        problem_text = _("Choisissez un fichier CSV ou XLSX.")
    elif suffix not in HOURS_FILE_TYPES:
        problem_text = _("Le fichier doit être un CSV ou un classeur XLSX.")
    else:
        assert file is not None
        try:
            await api.upload(
                f"/v1/contracts/{contract_id}/hours/import",
                name,
                await file.read(),
                HOURS_FILE_TYPES[suffix],
            )
        except ApiProblem as problem:
            if problem.status in (401, 403, 404):
                raise
            problem_text, rows = sentence(problem.message), file_errors(problem)
    if problem_text:
        return await _contract_page(
            request,
            session,
            api,
            directory,
            contract_id,
            422,
            import_problem=problem_text,
            import_rows=rows,
            failed="import",
            summary=error_summary("import", {}, problem_text),
        )
    return RedirectResponse(f"/clauses/marches/{contract_id}?fait=import#avancement", status_code=303)


@router.post("/marches/{contract_id}/penalite/{step}", summary="Procédure contradictoire sur la pénalité")
async def penalty_step(
    request: Request,
    contract_id: uuid.UUID,
    step: str,
    session: CsrfSession,
    api: Api,
    directory: DirectoryDep,
    reference: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
) -> Response:
    if step == "observations":
        body: dict[str, Any] = {"reference": reference.strip()} if reference.strip() else {}
        field = "reference"
    elif step == "decision":
        body = {"amount": amount.strip().replace(",", ".").replace(" ", "")} if amount.strip() else {}
        field = "amount"
    else:
        return unknown_action(request, session, _("Cette action n'existe pas pour une pénalité."))
    try:
        await api.post(f"/v1/contracts/{contract_id}/penalty/{step}", body)
    except ApiProblem as problem:
        if problem.status in (401, 403, 404):
            raise
        errors = field_errors(problem) or {field: sentence(problem.message)}
        return await _contract_page(
            request,
            session,
            api,
            directory,
            contract_id,
            422 if problem.status == 422 else 409,
            errors=errors,
            problem=sentence(problem.message),
            values={"reference": reference, "amount": amount},
            failed=step,
            summary=error_summary(step, errors, sentence(problem.message)),
        )
    return RedirectResponse(f"/clauses/marches/{contract_id}?fait={step}#penalite", status_code=303)


@router.get("/eligibilite", response_class=HTMLResponse, summary="Décisions d'éligibilité")
async def decisions_page(
    request: Request,
    session: CurrentSession,
    api: Api,
    directory: DirectoryDep,
    participant: str = "",
    page: int = 1,
) -> Response:
    return await _decisions(request, session, api, directory, participant, page)


# The organisations whose reasoned opinion may found a derogation (DOMAIN: eligible publics).
PRESCRIBER_KINDS = ("france_travail", "mission_locale", "maison_emploi", "cap_emploi")


async def _prescribers(directory: Directory) -> dict[str, dict[str, Any]]:
    """The pact's prescriber organisations (from its public directory), by name, each kind asked apart (a
    directory of hundreds of organisations would push some out of one page)."""
    found = [
        org
        for kind in PRESCRIBER_KINDS
        for org in (await directory.search(kind=kind, limit=200))["items"]
        if org.get("kind") == kind
    ]
    return {str(org["id"]): org for org in sorted(found, key=lambda o: str(o.get("name", "")))}


async def _decisions(
    request: Request,
    session: Session,
    api: ClausesApi,
    directory: Directory,
    participant: str = "",
    page: int = 1,
    form_errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    page = max(page, 1)
    form_errors, errors = form_errors or {}, {}
    try:
        found = await api.get(
            "/v1/eligibility-decisions",
            participant_id=participant.strip() or None,
            limit=50,
            offset=(page - 1) * 50,
        )
    except ApiProblem as problem:
        if problem.status != 422:
            raise
        errors = {"participant": field_errors(problem).get("participant_id", problem.message)}
        found = {"total": 0, "items": []}
    prescribers = await _prescribers(directory) if session.role == "facilitator" else {}
    today = _today()
    for decision in found["items"]:
        valid = not decision.get("revoked_on") and date.fromisoformat(decision["valid_until"]) >= today
        decision["valid"] = valid
    return render(
        request,
        "clauses/decisions.html",
        session,
        422 if errors or form_errors else 200,
        decisions=found["items"],
        total=found["total"],
        page=page,
        pages=max(1, -(-found["total"] // 50)),
        participant=participant,
        errors=errors,
        form_errors=form_errors,
        values=values or {"participant_id": participant, "decided_on": _today().isoformat()},
        proof_lines=range(PROOF_LINES),
        may_decide=session.role == "facilitator",
        prescribers={org_id: org["name"] for org_id, org in prescribers.items()},
        done=DONE.get(request.query_params.get("fait", "")),
    )


PROOF_LINES = 3  # criteria a decision usually rests on; the API accepts up to 15


@router.post("/eligibilite", summary="Valider l'éligibilité d'un participant (facilitateur)")
async def record_eligibility(
    request: Request, session: CsrfSession, api: Api, directory: DirectoryDep
) -> Response:
    form = await request.form()
    values = {str(k): str(v).strip() for k, v in form.items() if k != "csrf"}
    participant = values.get("participant_id", "")
    proofs = [
        {
            "criterion": values[f"criterion_{i}"],
            "method": values.get(f"method_{i}", ""),
            "proved_on": values.get(f"proved_on_{i}", ""),
            "reference": values.get(f"reference_{i}", ""),
        }
        for i in range(PROOF_LINES)
        if values.get(f"criterion_{i}")
    ]
    body: dict[str, Any] = {"decided_on": values.get("decided_on") or None, "proofs": proofs}
    for name in ("sex", "age_band"):
        if values.get(name):
            body[name] = values[name]
    if values.get("qpv_resident") in ("true", "false"):
        body["qpv_resident"] = values["qpv_resident"] == "true"
    prescriber = (await _prescribers(directory)).get(values.get("prescriber_org_id", ""))
    if prescriber is not None:
        body["prescriber_org_id"], body["prescriber_kind"] = str(prescriber["id"]), prescriber["kind"]
    errors: dict[str, str] = {}
    if any(p["criterion"] == "derogation" for p in proofs) and prescriber is None:
        errors["prescriber_org_id"] = _(
            "Une dérogation repose sur l'avis motivé d'un prescripteur : choisissez-le."
        )
    if not re.fullmatch(r"[0-9a-fA-F-]{36}", participant):
        errors["participant_id"] = _("Collez l'identifiant complet du participant (36 caractères).")
    elif not proofs:
        errors["criterion_0"] = _("Choisissez au moins un critère et sa preuve.")
    else:
        try:
            await api.post(f"/v1/participants/{participant}/eligibility", body)
        except ApiProblem as problem:
            if problem.status in (401, 403, 404):
                raise
            for error in problem.body.get("errors") or []:
                path = str(error.get("field", "")).split(".")
                # proofs.0.reference → reference_0: the message goes next to its line's field
                key = f"{path[-1]}_{path[1]}" if len(path) >= 3 and path[0] == "proofs" else path[-1]
                errors.setdefault(key, _message(error))
            errors.setdefault("form", sentence(problem.message))
    if errors:
        return await _decisions(request, session, api, directory, participant, 1, errors, values)
    return RedirectResponse(
        f"/clauses/eligibilite?participant={participant}&fait=eligibilite", status_code=303
    )


@router.get("/bilan", response_class=HTMLResponse, summary="Bilan annuel des clauses")
async def report_page(
    request: Request, session: CurrentSession, api: Api, directory: DirectoryDep, annee: int | None = None
) -> Response:
    today = _today()
    year = annee if annee and 2000 <= annee <= 2100 else today.year
    # The API knows the people: its totals count a person hired on two contracts once (a sum of the
    # contracts' rows would count them twice).
    summary: dict[str, Any] = await api.get("/v1/reports/clauses/summary", year=year)
    rows, totals = summary["rows"], summary["totals"]
    return render(
        request,
        "clauses/report.html",
        session,
        year=year,
        years=list(range(today.year - 3, today.year + 2)),
        rows=[r for r in rows if r["hours"] or r["participants"]],
        totals=totals,
        by_sex=totals["participants_by_sex"],
        by_age=totals["participants_by_age_band"],
        by_category=dict(sorted(totals["participants_by_category"].items(), key=lambda kv: -kv[1])),
        qpv=totals["participants_in_qpv"],
    )


@router.get("/bilan/clauses-{year}.{extension}", summary="Bilan annuel en CSV ou XLSX")
async def report_file(
    year: int, extension: str, session: CurrentSession, api: Api, directory: DirectoryDep
) -> Response:
    if extension not in ("csv", "xlsx") or not 2000 <= year <= 2100:
        raise ApiProblem(404, {})
    # The files name each buyer: the clauses service knows ids only, the directory their names.
    rows: list[dict[str, Any]] = await api.get("/v1/reports/clauses", year=year)
    names = await _names(directory, {str(r["buyer_org_id"]) for r in rows})
    file = await api.download(
        "/v1/reports/clauses",
        year=year,
        format=extension,
        buyer_name=[f"{org_id}={name}" for org_id, name in sorted(names.items())],
    )
    return Response(
        file.content, media_type=file.media_type, headers={"Content-Disposition": file.disposition}
    )
