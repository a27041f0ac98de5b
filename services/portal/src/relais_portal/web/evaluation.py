"""Evaluation: the pact's dashboards (pseudonymised indicators from the evaluation service) and its joint
evaluation campaigns (grid, evaluators, assessments, results per perspective, consensus, report).

Who sees what is the evaluation API's decision (the pact coordination every organisation's figures,
another organisation its own rows; a campaign its organisation's coordinators and invited evaluators):
the pages only offer the forms a role may use and say so plainly to anyone else.

Every chart has its table beside it — the figures a screen reader reads, and the ones a suppressed cell
(« secret statistique ») is shown in: a chart cannot say why a bar is missing, a table can.
"""

from __future__ import annotations

import asyncio
import calendar
import csv
import io
import json
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from relais_portal import i18n
from relais_portal.evaluation_api import Evaluation, EvaluationApi
from relais_portal.i18n import N_, Translated
from relais_portal.i18n import gettext as _
from relais_portal.referral_api import ApiProblem, ReferralApi, ServiceUnavailable
from relais_portal.session import Session
from relais_portal.settings import PortalSettings
from relais_portal.web.deps import (
    PARIS,
    Api,
    CsrfSession,
    CurrentSession,
    Directory,
    DirectoryDep,
    render,
)
from relais_portal.web.evaluation_campaign_deadlines import (
    CLOSED,
    deadline_errors,
    deadline_passed,
    deadline_values,
    deadlines_body,
    grid_locked,
    is_deadline_refusal,
)
from relais_portal.web.labels import REFUSAL_REASONS

router = APIRouter(prefix="/evaluation", tags=["évaluation"])
READERS = ("coordinator", "evaluator")

AXES = Translated(
    {
        "sex": N_("Sexe"),
        "age_band": N_("Tranche d'âge"),
        "qpv_resident": N_("Résidence en quartier prioritaire (QPV)"),
        "nationality_category": N_("Nationalité (française, UE, hors UE)"),
        "education_level": N_("Niveau de formation"),
        "long_term_unemployed": N_("Chômage de longue durée"),
        "minimum_income": N_("Minima sociaux"),
        "disability": N_("Handicap reconnu"),
    }
)
AXIS_VALUES = Translated(
    {
        "F": N_("Femmes"),
        "M": N_("Hommes"),
        "under_26": N_("Moins de 26 ans"),
        "26_49": N_("26 à 49 ans"),
        "50_plus": N_("50 ans et plus"),
        "yes": N_("Oui"),
        "no": N_("Non"),
        "french": N_("Française"),
        "eu": N_("Union européenne (hors France)"),
        "non_eu": N_("Hors Union européenne"),
        "infra_3": N_("Infra 3 (sans diplôme)"),
        "3": N_("Niveau 3 (CAP, BEP)"),
        "4": N_("Niveau 4 (baccalauréat)"),
        "5": N_("Niveau 5 (bac + 2)"),
        "6_plus": N_("Niveau 6 et plus (licence et au-delà)"),
        "unknown": N_("Non renseigné"),
    }
)
HORIZONS = Translated(
    {"0": N_("À la sortie"), "3": N_("3 mois après"), "6": N_("6 mois après"), "12": N_("12 mois après")}
)
# The referral funnel, in the order a referral lives it (the chart draws the first six: its steps);
# every measure the API gives is in the table.
FUNNEL = Translated(
    {
        "submitted": N_("Envoyées"),
        "acknowledged": N_("Accusées de réception"),
        "appointment_scheduled": N_("Rendez-vous fixés"),
        "seen": N_("Personnes reçues"),
        "accepted": N_("Prises en charge"),
        "closed": N_("Accompagnements clos"),
        "refused": N_("Refusées"),
        "expired": N_("Expirées sans réponse"),
        "returned_to_sender": N_("Retours à l'envoyeur"),
        "withdrawn": N_("Retirées"),
        "obsolete": N_("Devenues sans objet"),
        "escalated_to_coordination": N_("Signalées à la coordination du pacte"),
        "acknowledged_on_time_rate": N_("Part accusée dans le délai"),
        "days_to_acknowledge_mean": N_("Délai moyen d'accusé de réception (jours)"),
        "decided": N_("À l'issue connue (prises en charge, refus, expirations, retraits, sans objet)"),
        "accepted_rate": N_("Part prise en charge, parmi les issues connues"),
    }
)
FUNNEL_STEPS = 6
# A return's reason (the evaluation service's ``return_reason``): the receiver's refusal reason, or how
# the referral came back without one. In a table, « other » needs no mention of the form's comment.
RETURN_REASONS = REFUSAL_REASONS | {
    "other": N_("Autre motif"),
    "refused": N_("Refus sans motif enregistré"),
    "expired": N_("Expirée sans réponse"),
}
# The pact's delays, oriented within 45 days and accompanied within 30: the evaluation service's defaults,
# shown when its answer does not say the ones it counted with (a refusal, an older service).
DEFAULT_ORIENTATION_DAYS, DEFAULT_ACCOMPANIMENT_DAYS = 45, 30
PERSPECTIVES = Translated(
    {"author": N_("Auteurs"), "peer": N_("Pairs"), "external_expert": N_("Experts externes")}
)
PERSPECTIVE_CHOICES = Translated(
    {
        "author": N_("Auteur ou autrice de l'action (auto-évaluation)"),
        "peer": N_("Pair : membre du pacte non impliqué dans l'action"),
        "external_expert": N_("Experte ou expert externe"),
    }
)
MANDATORY = Translated(
    {
        "innovation": N_("Innovation"),
        "empowerment": N_("Pouvoir d'agir"),
        "suitability": N_("Adéquation"),
        "usefulness": N_("Utilité"),
        "accessibility": N_("Accessibilité"),
        "transferability": N_("Transférabilité"),
    }
)
DISCRETIONARY = Translated(
    {
        "equality": N_("Égalité"),
        "governance": N_("Gouvernance"),
        "universality": N_("Universalité"),
        "scalability": N_("Changement d'échelle"),
        "autonomy": N_("Autonomie"),
    }
)
SUBJECT_KINDS = Translated({"action": N_("Une action"), "product": N_("Un produit (outil, méthode)")})
STATUSES = Translated({"open": N_("En cours"), "closed": N_("Close")})
MILESTONES = Translated(
    {"final": N_("Évaluation finale"), "mid_term": N_("Test d'utilisation (mi-parcours)")}
)
MILESTONE_SLUGS = {"finale": "final", "mi-parcours": "mid_term"}
SLUG_OF = {v: k for k, v in MILESTONE_SLUGS.items()}
DONE = Translated(
    {
        "ouverte": N_("Campagne ouverte : invitez maintenant ses évaluateurs et évaluatrices."),
        "invite": N_("Invitation enregistrée : la campagne apparaît dans l'espace de la personne invitée."),
        "enregistree": N_("Votre évaluation est enregistrée. Vous pouvez la corriger jusqu'à l'échéance."),
        "echeances": N_("Échéances déplacées : les relances suivent les nouvelles dates."),
        "close": N_("Campagne close : la synthèse de consensus est enregistrée."),
    }
)
OWN_CRITERIA = 2  # criteria of the coordinator's own, besides the suggestions
MIN_EXTERNAL_EXPERTS = 2  # the API's validation rule, explained here in the user's words
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
TERRITORY = re.compile(r"^(\d{2}|2[AB]|97\d)$")
DEFINITION = re.compile(r"^[a-z0-9_.-]{1,60}@\d{1,6}$")


# ---------------------------------------------------------------------------------------------- who
def _refusal(request: Request, session: Session, roles: tuple[str, ...] = READERS) -> Response | None:
    """A clear page for a role these pages are not for (the API would refuse it anyway)."""
    if session.role in roles:
        return None
    if roles == ("evaluator",):
        message = _("Seuls les évaluateurs et évaluatrices invités à une campagne remplissent sa grille.")
    elif roles == ("coordinator",):
        message = _("Seule la coordination ouvre une campagne, invite ses évaluateurs et la clôt.")
    else:
        message = _(
            "Les tableaux de bord et les campagnes d'évaluation sont réservés aux coordinateurs et aux "
            "évaluateurs du pacte. Demandez ce rôle à l'administrateur de votre organisation."
        )
    return render(
        request, "error.html", session, 403, title=_("Accès réservé à l'évaluation"), message=message
    )


def _not_found(request: Request, session: Session) -> Response:
    """A mistyped address inside these pages (an unknown milestone, export or format)."""
    return render(
        request,
        "error.html",
        session,
        404,
        title=_("Page introuvable"),
        message=_("Cette page n'existe pas."),
    )


# ------------------------------------------------------------------------------------------ figures
@dataclass
class Cell:
    value: float | None
    suppressed: bool = False
    kind: str = "count"  # count, sum, rate, mean, scaled

    @property
    def text(self) -> str:
        if self.value is None:
            return "—"
        locale = i18n.current()
        if self.kind == "rate":
            return format_percent(self.value, "#,##0 %", locale=locale)
        if self.kind in ("mean", "scaled", "score"):
            return format_decimal(self.value, "#,##0.##", locale=locale)
        return format_decimal(self.value, "#,##0", locale=locale)

    @property
    def chart(self) -> float | None:
        """The value a chart draws: none for a hidden cell (the table says why)."""
        if self.suppressed or self.value is None:
            return None
        return round(self.value * 100, 1) if self.kind == "rate" else round(self.value, 2)


@dataclass
class Figure:
    """One chart and its table: the same figures, drawn and written."""

    key: str
    title: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]]
    chart: dict[str, Any] | None = None
    csv: str = ""
    refused: str = ""
    notes: list[str] = field(default_factory=list)
    groups: list[tuple[str, int]] = field(default_factory=list)  # a first header row: (label, columns)
    charts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # titled, side by side
    # Rows whose every figure is secret: named below the table, folded, rather than a wall of « secret ».
    hidden: list[str] = field(default_factory=list)
    # What a reader must know before reading the chart (a filter it does not follow): above it.
    lead: str = ""

    @property
    def xlsx(self) -> str:
        """The same figures for a spreadsheet (typed numbers)."""
        return self.csv.replace(".csv?", ".xlsx?", 1) if self.csv else ""

    @property
    def has_secret(self) -> bool:
        return any(c.suppressed for _, cells in self.rows for c in cells)


def _cell(table: dict[str, Any], row: dict[str, Any], measure: str) -> Cell:
    kinds = {m["key"]: m["kind"] for m in table["measures"]}
    value = row["values"].get(measure, {"value": None, "suppressed": False})
    return Cell(value["value"], value["suppressed"], kinds.get(measure, "count"))


def _total(table: dict[str, Any]) -> dict[str, Any]:
    """The row of totals (an answer without one reads as a row of cells never published)."""
    found = (r for r in table["rows"] if all(v is None for v in r["dimensions"].values()))
    return next(found, {"dimensions": {}, "values": {}})


def _by(table: dict[str, Any], dimension: str) -> list[dict[str, Any]]:
    return [r for r in table["rows"] if r["dimensions"].get(dimension) is not None]


def _chart(
    kind: str, labels: list[str], series: list[tuple[str, list[Cell]]], **options: Any
) -> dict[str, Any]:
    """What a DSFR Chart web component takes: JSON lists of labels and of values per series."""
    values = [c.chart for _, cells in series for c in cells]
    hidden = any(c.suppressed for _, cells in series for c in cells)
    # A secret figure has no bar, and no bar reads as zero: its category's label says « (secret) »
    # (the legend under the table says what that means).
    labels = [
        _secret_label(label, [cells[i] for _, cells in series if i < len(cells)])
        for i, label in enumerate(labels)
    ]
    return {
        "kind": kind,
        "x": json.dumps([labels] if kind != "line" else [labels] * len(series), ensure_ascii=False),
        "y": json.dumps([[c.chart for c in cells] for _, cells in series]),
        "name": json.dumps([name for name, _ in series], ensure_ascii=False),
        # Nothing to draw: the page says why instead of an empty frame that reads as a broken chart —
        # figures hidden or missing (« empty »), or every figure a zero (« zero »).
        "empty": not any(values) and (hidden or all(v is None for v in values)),
        "zero": not any(values) and not hidden and any(v == 0 for v in values),
        **options,
    }


def _secret_label(label: str, cells: list[Cell]) -> str:
    """A chart's category label, marked when its figures are secret (all, or some of its series')."""
    secret = [c.suppressed for c in cells]
    if secret and all(secret):
        return _("%(label)s (secret)") % {"label": label}
    if any(secret):
        return _("%(label)s (secret en partie)") % {"label": label}
    return label


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    du: str
    au: str
    # The end chosen before the start: no figures at all (those of another period would be a period
    # nobody chose); the form keeps both months as typed, the error says which to correct.
    reversed: bool = False


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _period(du: str, au: str, errors: dict[str, str]) -> Period:
    today = datetime.now(PARIS).date()
    default_du, default_au = f"{today.year}-01", today.strftime("%Y-%m")
    if du and not MONTH.match(du):
        errors["du"], du = _("Le mois n'est pas valide (aaaa-mm)."), ""
    if au and not MONTH.match(au):
        errors["au"], au = _("Le mois n'est pas valide (aaaa-mm)."), ""
    du, au = du or default_du, au or default_au
    start = date.fromisoformat(f"{du}-01")
    if au < du:
        errors["au"] = _("La fin de la période précède son début.")
        return Period(start, _month_end(start), du, au, reversed=True)
    return Period(start, _month_end(date.fromisoformat(f"{au}-01")), du, au)


def _month_label(month: str) -> str:
    return format_date(date.fromisoformat(f"{month}-01"), "MMM yyyy", locale=i18n.current())


@cache
def _departements() -> dict[str, str]:
    """Département codes and names, from the same official data the referral service reads."""
    settings = PortalSettings()
    path = f"{settings.assets_dir}/@etalab/decoupage-administratif/data/departements.json"
    try:
        with open(path, encoding="utf-8") as handle:
            return {d["code"]: d["nom"] for d in json.load(handle)}
    except (OSError, ValueError, KeyError):
        return {}


class Dashboard:
    """The figures of one dashboard request: the same filters for every indicator and its CSV."""

    def __init__(
        self,
        evaluation: EvaluationApi,
        period: Period,
        territory: str,
        axis: str,
        horizon: int,
        definitions: tuple[str, ...] = (),
    ):
        self.evaluation = evaluation
        self.period, self.territory, self.axis, self.horizon = period, territory, axis, horizon
        self.definitions = definitions  # the exits' two definitions compared (none: the API's defaults)
        self.compared: list[str] = list(definitions)  # the ones the API compared, as its answer says
        self.threshold: int | None = None  # the API's small-cell threshold, as its tables state it

    def params(
        self, name: str, group_by: str = "", within: tuple[date, date] | None = None
    ) -> dict[str, Any]:
        start, end = within or (self.period.start, self.period.end)
        params: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat()}
        if group_by:
            params["group_by"] = group_by
        if self.territory and name != "clause_hours":  # contracts are not cut by territory
            params["territory"] = self.territory
        if name == "exits":
            params["horizon"] = self.horizon
            if self.definitions:
                params["definitions"] = list(self.definitions)
        return params

    def csv_url(self, name: str, group_by: str = "") -> str:
        query: dict[str, Any] = {"du": self.period.du, "au": self.period.au, "territoire": self.territory}
        query |= {"par": group_by, "horizon": str(self.horizon)}
        if name == "exits" and self.definitions:
            query["definition"] = list(self.definitions)
        return f"/evaluation/export/{name}.csv?" + urlencode(
            {k: v for k, v in query.items() if v}, doseq=True
        )

    async def table(
        self, name: str, group_by: str = "", within: tuple[date, date] | None = None
    ) -> dict[str, Any] | str:
        """The indicator's table, or the API's refusal in words (an indicator this organisation may not
        see: the API says so with a 403, the page says why in that figure's place)."""
        try:
            found: dict[str, Any] = await self.evaluation.get(
                f"/v1/indicators/{name}", **self.params(name, group_by, within)
            )
            self.threshold = found["threshold"]
            return found
        except ApiProblem as problem:
            if problem.status == 403:
                return _(
                    "Cet indicateur est réservé à la coordination du pacte : "
                    "il porte sur toutes les organisations."
                )
            if problem.status == 422:
                return problem.message
            raise


def _refused(key: str, title: str, message: str) -> Figure:
    return Figure(key, title, [], [], refused=message)


async def _funnel(d: Dashboard) -> Figure:
    title = _("Orientations : de l'envoi à la prise en charge")
    table = await d.table("referral_funnel")
    if isinstance(table, str):
        return _refused("entonnoir", title, table)
    total = _total(table)
    rows = [(FUNNEL[m], [_cell(table, total, m)]) for m in FUNNEL]
    steps = list(FUNNEL)[:FUNNEL_STEPS]
    chart = _chart(
        "bar", [FUNNEL[m] for m in steps], [(_("Orientations"), [_cell(table, total, m) for m in steps])]
    )
    figure = Figure(
        "entonnoir", title, [_("Étape"), _("Orientations")], rows, chart, d.csv_url("referral_funnel")
    )
    figure.notes.append(_("Retours à l'envoyeur = refus + expirations sans réponse."))
    return figure


def _deadlines(d: Dashboard, table: dict[str, Any] | str, names: dict[str, str]) -> Figure:
    title = _("Délais d'accusé de réception tenus, par paire d'organisations")
    if isinstance(table, str):
        return _refused("delais", title, table)
    measures = ("submitted", "acknowledgement_known", "acknowledged_on_time_rate", "days_to_acknowledge_mean")
    rows, labels, rates, hidden = [], [], [], []
    unknown = _("Organisation inconnue")

    def named(row: dict[str, Any]) -> tuple[str, str]:
        sender, _arrow, receiver = row["dimensions"]["organisation_pair"].partition(" → ")
        return names.get(sender) or unknown, names.get(receiver) or unknown

    # By sender then receiver, as a coordinator looks for a pair (ids said nothing); a pair whose every
    # figure is secret is only named, below: no figure of it, nor any sum over hidden pairs, is shown.
    for row in sorted(
        _by(table, "organisation_pair"), key=lambda r: (*named(r), r["dimensions"]["organisation_pair"])
    ):
        label = " → ".join(named(row))
        cells = [_cell(table, row, m) for m in measures]
        if all(c.suppressed or c.value is None for c in cells):
            hidden.append(label)
            continue
        rows.append((label, cells))
        labels.append(label)
        rates.append(cells[2])
    rows.append((_("Ensemble"), [_cell(table, _total(table), m) for m in measures]))
    chart = _chart("bar", labels, [(_("Part accusée dans le délai (%)"), rates)], horizontal="true")
    columns = [
        _("Envoi → réception"),
        FUNNEL["submitted"],
        _("Accusées ou au délai échu"),
        FUNNEL["acknowledged_on_time_rate"],
        _("Délai moyen (jours)"),
    ]
    figure = Figure(
        "delais",
        title,
        columns,
        rows,
        chart if labels else None,
        d.csv_url("referral_funnel", "organisation_pair"),
        hidden=hidden,
    )
    figure.notes.append(
        _(
            "La part accusée dans le délai porte sur les orientations accusées ou dont le délai est échu : "
            "une orientation encore dans son délai n'est pas en retard, ni une orientation retirée ou "
            "devenue sans objet avant son échéance."
        )
    )
    return figure


async def _unaccompanied(d: Dashboard) -> tuple[Figure, list[tuple[str, Cell]]]:
    title = _("Personnes sans accompagnement à la fin de chaque mois")
    table, totals = await asyncio.gather(
        d.table("unaccompanied_over_time", "month"), d.table("unaccompanied")
    )
    if isinstance(table, str):
        return _refused("sans-accompagnement", title, table), []
    months = sorted(_by(table, "month"), key=lambda r: r["dimensions"]["month"])
    rows = [(_month_label(r["dimensions"]["month"]), [_cell(table, r, "people")]) for r in months]
    chart = _chart(
        "line", [label for label, _ in rows], [(_("Personnes sans accompagnement"), [c[0] for _, c in rows])]
    )
    figure = Figure(
        "sans-accompagnement",
        title,
        [_("Mois"), _("Personnes")],
        rows,
        chart,
        d.csv_url("unaccompanied_over_time", "month"),
    )
    headline: list[tuple[str, Cell]] = []
    if not isinstance(totals, str):
        total = _total(totals)
        headline = [
            (
                _("personnes devenues sans accompagnement sur la période"),
                _cell(totals, total, "people_started"),
            ),
            (_("encore sans accompagnement à la fin de la période"), _cell(totals, total, "open_at_end")),
            (
                _("jours sans accompagnement en moyenne (périodes terminées)"),
                _cell(totals, total, "duration_days_mean"),
            ),
            (
                _("jours d'attente à ce jour, en moyenne, des personnes encore sans accompagnement"),
                _cell(totals, total, "waiting_days_mean"),
            ),
        ]
    return figure, headline


async def _clause_hours(d: Dashboard) -> Figure:
    title = _("Clauses d'insertion : heures déclarées et exigées, équivalents temps plein")
    # One call per year of the period: the API gives the required hours (pro rata of the contracts'
    # days) for a period, not cut by year within it.
    years = range(d.period.start.year, d.period.end.year + 1)
    spans = [(max(d.period.start, date(y, 1, 1)), min(d.period.end, date(y, 12, 31))) for y in years]
    tables = await asyncio.gather(*(d.table("clause_hours", within=span) for span in spans))
    refused = next((t for t in tables if isinstance(t, str)), None)
    if refused is not None:
        return _refused("clauses", title, refused)
    measures = ("hours_realised", "hours_required", "realisation_rate", "fte", "participants")
    rows = [
        (str(year), [_cell(t, _total(t), m) for m in measures])
        for year, t in zip(years, tables, strict=True)
        if isinstance(t, dict)
    ]
    chart = _chart(
        "bar",
        [label for label, _ in rows],
        [(_("Heures déclarées"), [c[0] for _, c in rows]), (_("Heures exigées"), [c[1] for _, c in rows])],
    )
    columns = [
        _("Année"),
        _("Heures déclarées"),
        _("Heures exigées (prorata)"),
        _("Déclaré / exigé"),
        _("ETP"),
        _("Participants"),
    ]
    figure = Figure("clauses", title, columns, rows, chart if rows else None, d.csv_url("clause_hours"))
    figure.notes.append(_("Heures exigées au prorata des jours de la période ; 1 ETP = 1 600 heures."))
    # The events carry the hours declared, not the buyers' counting rules: the clauses pages count after
    # them, and a coordinator comparing both figures is told why they differ.
    figure.notes.append(
        _(
            "Heures déclarées : la dernière version déclarée de chaque période, avant les règles de décompte "
            "de chaque acheteur (heures de formation pondérées, forfait par type de contrat — un CDI compté "
            "pour un nombre d'heures fixe —, plafonds). Le bilan des clauses et la page de chaque marché "
            "comptent les heures après ces règles, celles qui remplissent l'obligation : elles peuvent être "
            "moindres."
        )
    )
    if d.territory:  # the contracts have no territory: said where the chart is read, not below its table
        figure.lead = _(
            "Chiffres de tout le pacte, pas du département %(code)s : les marchés ne sont rattachés à aucun "
            "territoire, le filtre de territoire ne s'applique pas aux clauses d'insertion."
        ) % {"code": d.territory}
    return figure


def _organisation_ids(table: dict[str, Any] | str, dimension: str) -> set[str]:
    """The organisations a table names (by id, a pair as « sender → receiver »): the directory names them."""
    if isinstance(table, str):
        return set()
    return {i for row in _by(table, dimension) for i in row["dimensions"][dimension].split(" → ")}


def _labelled(table: dict[str, Any], dimension: str, labels: Translated) -> list[tuple[str, dict[str, Any]]]:
    """A table's rows by one dimension's values, in words and in the order of their labels (« non
    renseigné » last; a value the portal has no word for after them, as the API writes it)."""
    order = {code: i for i, code in enumerate(labels)}

    def value(row: dict[str, Any]) -> str:
        return str(row["dimensions"][dimension])

    rows = sorted(_by(table, dimension), key=lambda r: (order.get(value(r), len(order)), value(r)))
    return [(labels.get(value(r), value(r)), r) for r in rows]


def _axis_rows(table: dict[str, Any], axis: str) -> list[tuple[str, dict[str, Any]]]:
    """A table's rows by an equality axis's values, then its total (none when the table is empty)."""
    return [*_labelled(table, axis, AXIS_VALUES), (_("Ensemble"), _total(table))] if table["rows"] else []


def _delays_of(table: dict[str, Any] | str) -> tuple[int, int]:
    """The delays (days) the evaluation service counted with: its settings, said in its answer."""
    if isinstance(table, dict):
        return (
            table.get("orientation_days") or DEFAULT_ORIENTATION_DAYS,
            table.get("accompaniment_days") or DEFAULT_ACCOMPANIMENT_DAYS,
        )
    return DEFAULT_ORIENTATION_DAYS, DEFAULT_ACCOMPANIMENT_DAYS


def _orientation_delays(d: Dashboard, table: dict[str, Any] | str) -> Figure:
    orientation_days, accompaniment_days = _delays_of(table)
    title = _(
        "Personnes orientées pour la première fois : prises en charge en %(oriented)s jours, "
        "accompagnées en %(accompanied)s jours, par %(axis)s"
    ) % {"oriented": orientation_days, "accompanied": accompaniment_days, "axis": AXES[d.axis].lower()}
    if isinstance(table, str):
        return _refused("delais-orientation", title, table)
    measures = (
        "people",
        "orientation_known",
        "oriented_in_time",
        "oriented_rate",
        "accompaniment_known",
        "accompanied_in_time",
        "accompanied_rate",
    )
    lines = _axis_rows(table, d.axis)
    rows = [(label, [_cell(table, r, m) for m in measures]) for label, r in lines]
    oriented = _("Part prise en charge en %(days)s jours") % {"days": orientation_days}
    accompanied = _("Part accompagnée en %(days)s jours") % {"days": accompaniment_days}
    # The API's rates, as it publishes them (what they divide by is its rule): the portal draws them.
    chart = _chart(
        "bar",
        [label for label, _ in rows],
        [(f"{oriented} (%)", [c[3] for _, c in rows]), (f"{accompanied} (%)", [c[6] for _, c in rows])],
        y_min=0,
        y_max=100,
    )
    columns = [
        AXES[d.axis],
        _("Personnes orientées pour la première fois"),
        _("dont délai échu ou tenu"),
        _("Prises en charge en %(days)s jours") % {"days": orientation_days},
        oriented,
        _("dont délai échu ou tenu"),
        _("Reçues en %(days)s jours (premier rendez-vous honoré)") % {"days": accompaniment_days},
        accompanied,
    ]
    figure = Figure(
        "delais-orientation",
        title,
        columns,
        rows,
        chart if rows else None,
        d.csv_url("orientation_delays", d.axis),
    )
    figure.notes.append(
        _(
            "Personnes dont la première orientation a été envoyée pendant la période ; délais en jours "
            "calendaires depuis cet envoi. Chaque part se calcule sur les personnes dont le délai est échu "
            "ou tenu : une personne orientée il y a dix jours n'a pas encore manqué son délai."
        )
    )
    return figure


def _training(d: Dashboard, table: dict[str, Any] | str, names: dict[str, str]) -> Figure:
    title = _("Formations : inscriptions, achèvements et abandons, par organisme de formation")
    if isinstance(table, str):
        return _refused("formations", title, table)
    measures = (
        "confirmed",
        "ended",
        "completed",
        "abandoned",
        "certified",
        "completion_rate",
        "abandonment_rate",
    )
    providers = [
        (names.get(r["dimensions"]["organisation"]) or _("Organisation inconnue"), r)
        for r in _by(table, "organisation")
    ]
    # By name (two organisations the directory does not know share theirs: never compare their rows).
    providers.sort(key=lambda provider: provider[0])
    rows = [(label, [_cell(table, r, m) for m in measures]) for label, r in providers]
    labels = [label for label, _ in rows]
    if table["rows"]:
        rows.append((_("Ensemble"), [_cell(table, _total(table), m) for m in measures]))
    chart = _chart(
        "bar",
        labels,
        [
            (_("Taux d'achèvement (%)"), [c[5] for _, c in rows[: len(labels)]]),
            (_("Taux d'abandon (%)"), [c[6] for _, c in rows[: len(labels)]]),
        ],
        horizontal="true",
    )
    columns = [
        _("Organisme de formation"),
        _("Inscriptions confirmées"),
        _("Terminées ou abandonnées"),
        _("Formations achevées"),
        _("Abandons"),
        _("Certifications obtenues"),
        _("Taux d'achèvement"),
        _("Taux d'abandon"),
    ]
    figure = Figure(
        "formations", title, columns, rows, chart if labels else None, d.csv_url("training", "organisation")
    )
    figure.notes.append(
        _(
            "Inscriptions confirmées pendant la période, et leur issue à ce jour. Les taux se calculent sur "
            "les formations terminées ou abandonnées, pas sur celles encore en cours."
        )
    )
    return figure


def _returns(d: Dashboard, table: dict[str, Any] | str) -> Figure:
    title = _("Retours à l'envoyeur, par motif")
    if isinstance(table, str):
        return _refused("retours", title, table)
    measures = ("returned_to_sender", "refused", "expired")
    rows = [
        (label, [_cell(table, r, m) for m in measures])
        for label, r in _labelled(table, "return_reason", RETURN_REASONS)
    ]
    labels = [label for label, _ in rows]
    chart = _chart("bar", labels, [(_("Retours à l'envoyeur"), [c[0] for _, c in rows])], horizontal="true")
    if table["rows"]:
        rows.append((_("Ensemble"), [_cell(table, _total(table), m) for m in measures]))
    columns = [_("Motif"), _("Retours à l'envoyeur"), _("dont refus"), _("dont expirations sans réponse")]
    figure = Figure(
        "retours",
        title,
        columns,
        rows,
        chart if labels else None,
        d.csv_url("returns_to_sender", "return_reason"),
    )
    figure.notes.append(
        _("Motif du refus donné par la structure qui a reçu l'orientation ; une expiration n'en a pas.")
    )
    return figure


async def _exits(d: Dashboard, definitions: list[dict[str, Any]]) -> Figure:
    """One table with the definitions side by side (the same exits, classified twice), one chart each."""
    table = await d.table("exits", d.axis)
    title = _("Sorties par catégorie, %(horizon)s, par %(axis)s") % {
        "horizon": HORIZONS[str(d.horizon)].lower(),
        "axis": AXES[d.axis].lower(),
    }
    if isinstance(table, str):
        return _refused("sorties", title, table)
    d.compared = list(table["definitions"])
    axis_rows = _axis_rows(table, d.axis)
    values = [r for _label, r in axis_rows[:-1]]  # without the total: the charts draw the axis's values
    labels = [label for label, _r in axis_rows[:-1]]
    columns, measures = [AXES[d.axis], _("Sorties observées")], ["exits"]
    groups: list[tuple[str, int]] = [("", 2)]
    charts = []
    by_key = {x["key"]: x for x in definitions}
    for key in table["definitions"]:
        definition = by_key.get(key, {"label": key, "categories": [], "category_labels": {}})
        categories = definition["categories"]
        columns += [definition["category_labels"][c] for c in categories]
        measures += [f"{key}:{c}" for c in categories]
        groups.append((definition["label"], len(categories)))
        series = [
            (definition["category_labels"][c], [_cell(table, r, f"{key}:{c}") for r in values])
            for c in categories
        ]
        if values:
            charts.append((definition["label"], _chart("bar", labels, series, stacked="true")))
    rows = [(label, [_cell(table, r, m) for m in measures]) for label, r in axis_rows]
    figure = Figure("sorties", title, columns, rows, None, d.csv_url("exits", d.axis), groups=groups)
    figure.charts = charts
    if d.horizon:
        figure.notes.append(_horizon_note(d.period, d.horizon, datetime.now(PARIS).date()))
    return figure


def _horizon_note(period: Period, horizon: int, today: date) -> str:
    """Which exits of the period the API counted at +``horizon`` months: it counts an exit once that many
    months have passed since it, so the latest are not there yet — and none, for a period too recent."""
    last = min(period.end, _months_before(today, horizon))
    values = {"months": horizon, "start": period.start.strftime("%d/%m/%Y")}
    if last < period.start:
        return _(
            "Situation %(months)s mois après la sortie : aucune sortie de cette période n'a encore atteint "
            "cet horizon ; les premières l'atteindront le %(first)s."
        ) % (values | {"first": _months_after(period.start, horizon).strftime("%d/%m/%Y")})
    if last >= period.end:
        return (
            _(
                "Situation %(months)s mois après la sortie : toutes les sorties de la période ont "
                "atteint cet horizon."
            )
            % values
        )
    return _(
        "Situation %(months)s mois après la sortie : seules les sorties du %(start)s au %(last)s "
        "ont atteint cet horizon aujourd'hui, les plus récentes n'y figurent pas encore."
    ) % (values | {"last": last.strftime("%d/%m/%Y")})


def _months_after(day: date, months: int) -> date:
    """The day ``months`` calendar months after ``day`` (the last of its month when shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _months_before(day: date, months: int) -> date:
    """The last day whose exit has reached ``months`` months by ``day`` (the API's rule, calendar months)."""
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


async def _unaccompanied_days(api: ReferralApi) -> int | None:
    """After how many working days without anyone responsible a person is counted « sans accompagnement »:
    the referral service raises that alert by its deadlines' setting (the pact's default version in
    force); None when it cannot be read (the page then states the rule without the number)."""
    try:
        policies: list[dict[str, Any]] = await api.get("/v1/referral-policies")
    except (ApiProblem, ServiceUnavailable):
        return None
    defaults = [p for p in policies if p.get("org_kind") == "*" and p.get("unaccompanied_days")]
    return int(max(defaults, key=lambda p: p.get("version", 0))["unaccompanied_days"]) if defaults else None


async def _pact_territories(directory: Directory) -> list[str]:
    """The départements of the pact's organisations (the directory says where each is): offered first."""
    try:
        found = await directory.search(limit=200)
    except (ApiProblem, ServiceUnavailable):
        return []
    return sorted({str(o["departement"]) for o in found.get("items", []) if o.get("departement")})


def _board(
    evaluation: EvaluationApi,
    du: str,
    au: str,
    territory: str,
    axis: str,
    horizon: str,
    errors: dict[str, str],
    definitions: list[str] | None = None,
) -> Dashboard:
    """The filters of the query string, checked (what is wrong is said next to its field)."""
    period = _period(du, au, errors)
    if territory and not TERRITORY.match(territory):
        errors["territoire"], territory = _("Choisissez un département de la liste."), ""
    # Two definitions of exits, « code@version » as the API lists them (it refuses an unknown one).
    chosen = tuple(dict.fromkeys(d for d in definitions or [] if DEFINITION.match(d)))[:2]
    return Dashboard(
        evaluation,
        period,
        territory,
        axis if axis in AXES else "sex",
        int(horizon) if horizon in HORIZONS else 6,
        chosen,
    )


@router.get("", response_class=HTMLResponse, summary="Tableaux de bord du pacte")
async def dashboard(
    request: Request,
    session: CurrentSession,
    evaluation: Evaluation,
    directory: DirectoryDep,
    api: Api,
    du: str = "",
    au: str = "",
    territoire: str = "",
    axe: str = "sex",
    horizon: str = "6",
    definition: Annotated[list[str] | None, Query()] = None,
) -> Response:
    if (refused := _refusal(request, session)) is not None:
        return refused
    errors: dict[str, str] = {}
    board = _board(evaluation, du, au, territoire, axe, horizon, errors, definition)
    period = board.period
    values = {
        "du": period.du,
        "au": period.au,
        "territoire": board.territory,
        "axe": board.axis,
        "horizon": str(board.horizon),
    }
    if period.reversed:  # no figures rather than those of a period nobody chose
        return render(
            request,
            "evaluation/dashboard.html",
            session,
            422,
            title=_("Tableaux de bord du pacte"),
            values=values,
            errors=errors,
            period=period,
            departements=_departements(),
            territories=await _pact_territories(directory),
            axes=AXES,
            horizons=HORIZONS,
            withheld=True,
            own_only=session.org_kind != "pact_coordination",
        )
    definitions, unaccompanied_days, territories = await asyncio.gather(
        evaluation.get("/v1/exit-definitions"), _unaccompanied_days(api), _pact_territories(directory)
    )
    # The figures the portal builds from its own calls, and the tables whose figures need names too.
    (
        (funnel, (unaccompanied, headline), hours, exits),
        (pairs, returns, delays, training),
    ) = await asyncio.gather(
        asyncio.gather(
            _funnel(board), _unaccompanied(board), _clause_hours(board), _exits(board, definitions)
        ),
        asyncio.gather(
            board.table("referral_funnel", "organisation_pair"),
            board.table("returns_to_sender", "return_reason"),
            board.table("orientation_delays", board.axis),
            board.table("training", "organisation"),
        ),
    )
    names = await directory.names(
        _organisation_ids(pairs, "organisation_pair") | _organisation_ids(training, "organisation")
    )
    return render(
        request,
        "evaluation/dashboard.html",
        session,
        title=_("Tableaux de bord du pacte"),
        values=values,
        errors=errors,
        period=period,
        departements=_departements(),
        territories=territories,
        axes=AXES,
        horizons=HORIZONS,
        funnel=funnel,
        deadlines=_deadlines(board, pairs, names),
        returns=_returns(board, returns),
        unaccompanied=unaccompanied,
        delays=_orientation_delays(board, delays),
        orientation_days=_delays_of(delays)[0],
        accompaniment_days=_delays_of(delays)[1],
        training=_training(board, training, names),
        headline=headline,
        hours=hours,
        exits=exits,
        threshold=board.threshold,
        unaccompanied_days=unaccompanied_days,
        exit_definitions=definitions,
        compared=board.compared,
        # Anyone but the pact coordination reads their own organisation's rows only (the API cuts them).
        own_only=session.org_kind != "pact_coordination",
    )


def _figure_rows(figure: Figure, period: Period) -> tuple[list[list[Any]], list[str]]:
    """A figure as the API writes its exports (a title line, the columns, « s » for a suppressed cell),
    and each column's kind of figure."""
    start, end = (format_date(day, "dd/MM/yyyy", locale="fr") for day in (period.start, period.end))
    rows: list[list[Any]] = [[f"{figure.title} — du {start} au {end}"], list(figure.columns)]
    for label, cells in figure.rows:
        rows.append([label, *("s" if c.suppressed else "" if c.value is None else c.value for c in cells)])
    kinds = ["label", *(c.kind for c in figure.rows[0][1])] if figure.rows else []
    return rows, kinds


# Decimals a file keeps, by kind of figure: a rate in % with one, a mean or a sum of hours with two.
DECIMALS = {"rate": 1, "mean": 2, "scaled": 2, "sum": 2, "score": 2}


def _spreadsheet(
    rows: list[list[Any]],
    kinds: list[str],
    extension: str,
    filename: str,
    filters: list[tuple[str, str]] | None = None,
) -> Response:
    """CSV for a French spreadsheet (semicolons, a BOM, decimal commas, rates in %: what it opens without
    asking and reads as numbers) or XLSX (numbers typed, rates formatted as percentages). ``rows``: a
    title line, the columns, then the figures; ``kinds``: each column's kind (count, rate, mean…).
    ``filters``: the page's filters the figures follow, beyond the period the title says — written after
    the title in the CSV (its first line: readers take the columns from the second), and all of them on
    a second sheet « Filtres » of the XLSX, whose first sheet is named after the indicator."""
    filters = filters or []
    title = str(rows[0][0]) if rows and rows[0] else ""
    extra = [f"{label} : {value}" for label, value in filters if label != _("Période")]
    if extra and extension == "csv":
        rows = [[" — ".join([title, *extra]), *rows[0][1:]], *rows[1:]]
    disposition = {"Content-Disposition": f'attachment; filename="{filename}.{extension}"'}
    header = [
        f"{name} (%)" if i < len(kinds) and kinds[i] == "rate" and not str(name).endswith("(%)") else name
        for i, name in enumerate(rows[1] if len(rows) > 1 else [])
    ]
    body = [
        [value if i < len(kinds) and kinds[i] == "label" else _typed(value) for i, value in enumerate(row)]
        for row in rows[2:]
    ]
    if extension == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerows([rows[0], header] if len(rows) > 1 else rows[:1])
        writer.writerows(
            [_csv_text(v, kinds[i] if i < len(kinds) else "count") for i, v in enumerate(row)] for row in body
        )
        data = ("\ufeff" + buffer.getvalue()).encode()
        return Response(data, media_type="text/csv; charset=utf-8", headers=disposition)
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    # Named after the indicator (not « Sheet »): the title without its period, as a sheet name allows.
    sheet.title = re.sub(r"[][:*?/\\]", " ", title.split(" — ")[0]).strip()[:31] or "Relais"
    sheet.append(rows[0])
    sheet.append(header)
    for row in body:
        sheet.append(row)
        for i, cell in enumerate(sheet[sheet.max_row]):
            kind = kinds[i] if i < len(kinds) else "count"
            if isinstance(cell.value, float | int) and not isinstance(cell.value, bool):
                cell.number_format = (
                    "0.0 %" if kind == "rate" else "#,##0.00" if kind in DECIMALS else "#,##0"
                )
    sheet["A1"].font = Font(bold=True)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B3"
    sheet.column_dimensions["A"].width = min(60, max((len(str(r[0])) for r in rows[1:] if r), default=10) + 2)
    if filters:
        chosen = book.create_sheet(_("Filtres"))
        chosen.append([_("Filtre"), _("Valeur")])
        for line in filters:
            chosen.append(list(line))
        for cell in chosen[1]:
            cell.font = Font(bold=True)
        chosen.column_dimensions["A"].width = 16
        chosen.column_dimensions["B"].width = 70
    buffer_xlsx = io.BytesIO()
    book.save(buffer_xlsx)
    return Response(
        buffer_xlsx.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=disposition,
    )


NUMBER = re.compile(r"-?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?")


def _typed(value: Any) -> Any:
    """A figure of the API's CSV as a number (« 0,7143 », as the API writes decimals for a French
    spreadsheet, or « 1.29e-07 »); a label, a date or « s » stays text."""
    if not isinstance(value, str) or not NUMBER.fullmatch(value):
        return value
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    return float(value.replace(",", "."))


def _csv_text(value: Any, kind: str) -> Any:
    """A number as a French spreadsheet reads it: « 4,19 », a rate « 41,9 » (its column says %)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if kind == "rate":
        value = value * 100
    decimals = DECIMALS.get(kind, 2)
    if isinstance(value, int) or (float(value).is_integer() and kind not in DECIMALS):
        return str(int(value))
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if text not in ("-0", "") else "0"


def _export_filters(board: Dashboard, name: str, par: str) -> list[tuple[str, str]]:
    """The filters an export's figures follow, in words: the file says them (the page did)."""
    start, end = (
        format_date(day, "dd/MM/yyyy", locale="fr") for day in (board.period.start, board.period.end)
    )
    filters = [(_("Période"), _("du %(start)s au %(end)s") % {"start": start, "end": end})]
    if not board.territory:
        filters.append((_("Territoire"), _("Tout le pacte")))
    elif name == "clause_hours":
        filters.append(
            (
                _("Territoire"),
                _(
                    "Tout le pacte : les marchés ne sont rattachés à aucun territoire, le département "
                    "%(code)s ne s'applique pas aux clauses."
                )
                % {"code": board.territory},
            )
        )
    else:
        found = _departements().get(board.territory, "")
        where = _("département %(code)s") % {"code": board.territory}
        filters.append((_("Territoire"), f"{where} — {found}" if found else where))
    if par:
        filters.append((_("Ventilation"), str(AXES.get(par) or BREAKDOWNS.get(par) or par)))
    if name == "exits":
        filters.append((_("Situation"), str(HORIZONS[str(board.horizon)])))
        filters.append(
            (_("Définitions des sorties"), ", ".join(board.definitions) or _("celles du service, par défaut"))
        )
    return filters


def _export_stem(board: Dashboard, name: str, par: str) -> str:
    """A file name that tells two downloads apart: the indicator, its breakdown and its filters (ASCII)."""
    parts = ["relais", name.replace("_", "-")]
    if par:
        parts.append("par-" + par.replace("_", "-"))
    parts.append(f"{board.period.du}-a-{board.period.au}")
    if board.territory and name != "clause_hours":
        parts.append(f"dep{board.territory}")
    if name == "exits":
        parts.append(f"{board.horizon}mois")
        parts += [re.sub(r"[^a-z0-9-]", "-", d.replace("@", "-v")) for d in board.definitions]
    return "_".join(parts)


# The breakdowns a download names besides the equality axes (its file says which).
BREAKDOWNS = Translated(
    {
        "organisation_pair": N_("Paire d'organisations (envoi → réception)"),
        "return_reason": N_("Motif de retour"),
        "organisation": N_("Organisation"),
        "month": N_("Mois"),
    }
)

EXPORTS = {
    "referral_funnel",
    "returns_to_sender",
    "unaccompanied_over_time",
    "orientation_delays",
    "training",
    "clause_hours",
    "exits",
}


@router.get("/export/{name}.{extension}", summary="Un indicateur en CSV ou XLSX (les chiffres du tableau)")
async def export(
    request: Request,
    name: str,
    extension: str,
    session: CurrentSession,
    evaluation: Evaluation,
    directory: DirectoryDep,
    du: str = "",
    au: str = "",
    territoire: str = "",
    par: str = "",
    horizon: str = "6",
    definition: Annotated[list[str] | None, Query()] = None,
) -> Response:
    if (refused := _refusal(request, session)) is not None:
        return refused
    if name not in EXPORTS or extension not in ("csv", "xlsx"):
        return _not_found(request, session)
    errors: dict[str, str] = {}
    board = _board(evaluation, du, au, territoire, par, horizon, errors, definition)
    period = board.period
    if period.reversed:  # the figures of no period anyone chose: refused, in words
        return Response(errors["au"], status_code=422, media_type="text/plain; charset=utf-8")
    par = par if re.fullmatch(r"[a-z_]{1,40}", par) else ""
    stem, filters = _export_stem(board, name, par), _export_filters(board, name, par)
    if name == "clause_hours":  # a table of the portal's own (one call per year): built here
        figure = await _clause_hours(board)
        if figure.refused:
            return Response(figure.refused, status_code=403, media_type="text/plain; charset=utf-8")
        return _spreadsheet(*_figure_rows(figure, period), extension, stem, filters)
    found, catalogue = await asyncio.gather(
        evaluation.download(f"/v1/indicators/{name}/export", format="csv", **board.params(name, par)),
        evaluation.get("/v1/indicators"),
    )
    rows = await _named(found.content, directory)
    if rows and rows[0]:  # the title's period, as the page writes dates
        rows[0][0] = re.sub(r"(\d{4})-(\d{2})-(\d{2})", r"\3/\2/\1", rows[0][0])
    # The service writes its codes; the file says them in words, as the table does.
    words = RETURN_REASONS if par == "return_reason" else AXIS_VALUES if par in AXES else None
    for row in rows[2:]:  # after the title and the columns: the dimension's value first
        if row and par and row[0] == "Total":  # the row of all: « Ensemble », as the page says it
            row[0] = _("Ensemble")
        elif row and words is not None:
            row[0] = words.get(row[0], row[0])
    kinds = _column_kinds(rows, catalogue, name, 1 if par else 0)
    return _spreadsheet(rows, kinds, extension, stem, filters)


def _column_kinds(rows: list[list[Any]], catalogue: Any, name: str, dimensions: int) -> list[str]:
    """Each column's kind of figure, from the API's catalogue (its measures' labels head the columns);
    the dimensions' columns are labels (a département « 01 » stays text)."""
    indicator = (
        next(
            (i for i in catalogue if isinstance(i, dict) and i.get("key") == name),
            {},
        )
        if isinstance(catalogue, list)
        else {}
    )
    by_label = {m["label"]: m["kind"] for m in indicator.get("measures", [])}
    header = rows[1] if len(rows) > 1 else []
    return ["label"] * dimensions + [by_label.get(str(h), "count") for h in header[dimensions:]]


_ORG_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


async def _named(content: bytes, directory: Directory) -> list[list[Any]]:
    """The service's CSV rows, each organisation named as on the dashboard (the service knows ids only)."""
    text = content.decode("utf-8-sig")
    ids = set(_ORG_ID.findall(text))
    names = {i: n for i, n in (await directory.names(ids)).items() if n} if ids else {}
    return [
        [_ORG_ID.sub(lambda m: names.get(m.group(), m.group()), cell) for cell in row]
        for row in csv.reader(io.StringIO(text), delimiter=";")
    ]


# ---------------------------------------------------------------------------------------- campaigns
def _criterion_label(criterion: dict[str, Any]) -> str:
    code = criterion["code"]
    return MANDATORY.get(code) or DISCRETIONARY.get(code) or criterion["label"]


def _score(value: float | None) -> Cell:
    return Cell(value, kind="score")


@router.get("/campagnes", response_class=HTMLResponse, summary="Campagnes d'évaluation conjointe")
async def campaigns(request: Request, session: CurrentSession, evaluation: Evaluation) -> Response:
    if (refused := _refusal(request, session)) is not None:
        return refused
    found = await evaluation.get("/v1/campaigns")
    return render(
        request,
        "evaluation/campaigns.html",
        session,
        title=_("Campagnes d'évaluation conjointe"),
        campaigns=found,
        statuses=STATUSES,
        kinds=SUBJECT_KINDS,
    )


def _grid_values() -> dict[str, str]:
    values = {f"poids_{code}": "1" for code in MANDATORY}
    return values | {"echelle_min": "1", "echelle_max": "5", "objet_type": "action"}


async def _new_page(
    request: Request,
    session: Session,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    problem: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "evaluation/campaign_new.html",
        session,
        status_code,
        title=_("Ouvrir une campagne d'évaluation"),
        values=values,
        errors=errors or {},
        problem=problem,
        mandatory=MANDATORY,
        discretionary=DISCRETIONARY,
        own=range(1, OWN_CRITERIA + 1),
        kinds=SUBJECT_KINDS,
    )


@router.get("/campagnes/nouvelle", response_class=HTMLResponse, summary="Ouvrir une campagne (formulaire)")
async def new_campaign_form(request: Request, session: CurrentSession) -> Response:
    if (refused := _refusal(request, session, ("coordinator",))) is not None:
        return refused
    return await _new_page(request, session, _grid_values())


def _weight(raw: str) -> Decimal | None:
    """A weight as people write it (« 1,5 » or « 1.5 »); None when it is not a positive number."""
    try:
        value = Decimal(raw.strip().replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() and 0 < value <= 1000 else None


def _code_of(label: str) -> str:
    """A criterion of the coordinator's own gets a code from its words (« Mobilité » → own_mobilite)."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    return ("own_" + re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_"))[:40].rstrip("_") or "own"


def _criteria(form: dict[str, str], errors: dict[str, str]) -> list[dict[str, Any]]:
    criteria: list[dict[str, Any]] = []
    for code in MANDATORY:
        weight = _weight(form.get(f"poids_{code}", ""))
        if weight is None:
            errors[f"poids_{code}"] = _("Un poids est un nombre positif, par exemple 1 ou 1,5.")
            continue
        criteria.append(
            {"code": code, "label": MANDATORY._labels[code], "weight": str(weight), "mandatory": True}
        )
    for code in DISCRETIONARY:
        raw = form.get(f"poids_{code}", "").strip()
        if not raw:
            continue  # not retained
        weight = _weight(raw)
        if weight is None:
            errors[f"poids_{code}"] = _("Un poids est un nombre positif, par exemple 1 ou 1,5.")
            continue
        criteria.append(
            {"code": code, "label": DISCRETIONARY._labels[code], "weight": str(weight), "mandatory": False}
        )
    for i in range(1, OWN_CRITERIA + 1):
        label, raw = form.get(f"autre_libelle_{i}", "").strip(), form.get(f"autre_poids_{i}", "").strip()
        if not label and not raw:
            continue
        if not label:
            errors[f"autre_libelle_{i}"] = _("Nommez ce critère, ou effacez son poids.")
            continue
        weight = _weight(raw)
        if weight is None:
            errors[f"autre_poids_{i}"] = _("Un poids est un nombre positif, par exemple 1 ou 1,5.")
            continue
        code = _code_of(label)
        if code in {c["code"] for c in criteria}:
            errors[f"autre_libelle_{i}"] = _("Ce critère figure déjà dans la grille.")
            continue
        criteria.append({"code": code, "label": label[:200], "weight": str(weight), "mandatory": False})
    if errors:
        return criteria
    mandatory = sum((Fraction(c["weight"]) for c in criteria if c["mandatory"]), Fraction(0))
    total = sum((Fraction(c["weight"]) for c in criteria), Fraction(0))
    if mandatory / total < Fraction(2, 3):
        share = format_percent(float(mandatory / total), "#,##0 %", locale=i18n.current())
        most = format_decimal(float(mandatory / 2), "#,##0.##", locale=i18n.current())
        errors["criteria"] = _(
            "Les six critères obligatoires doivent porter au moins les deux tiers du poids total ; ils n'en "
            "portent ici que %(share)s. Avec ces poids obligatoires, les critères au choix pèsent au plus "
            "%(most)s ensemble : baissez leurs poids ou relevez ceux des critères obligatoires."
        ) % {"share": share, "most": most}
    return criteria


API_FIELDS = {
    "title": "titre",
    "subject": "objet",
    "subject_kind": "objet_type",
    "final_due": "echeance_finale",
    "mid_term_due": "echeance_intermediaire",
    "scale": "echelle_max",
    "scale_min": "echelle_min",
    "scale_max": "echelle_max",
    "criteria": "criteria",
}


@router.post("/campagnes/nouvelle", summary="Ouvrir la campagne")
async def new_campaign(request: Request, session: CsrfSession, evaluation: Evaluation) -> Response:
    if (refused := _refusal(request, session, ("coordinator",))) is not None:
        return refused
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    errors: dict[str, str] = {}
    criteria = _criteria(form, errors)
    for name, label in (("titre", _("le titre")), ("objet", _("l'action ou le produit évalué"))):
        if not form.get(name, "").strip():
            errors[name] = _("Indiquez %(what)s.") % {"what": label}
    if not form.get("echeance_finale"):
        errors["echeance_finale"] = _("Indiquez l'échéance finale.")
    scale = {}
    for name in ("echelle_min", "echelle_max"):
        raw = form.get(name, "").strip()
        if not raw.isdigit():
            errors[name] = _("Une note entière, par exemple 1 ou 5.")
        else:
            scale[name] = int(raw)
    if errors:
        return await _new_page(request, session, values, errors, status_code=422)
    body = {
        "title": form["titre"].strip(),
        "subject_kind": form.get("objet_type") if form.get("objet_type") in SUBJECT_KINDS else "action",
        "subject": form["objet"].strip(),
        "criteria": criteria,
        "scale_min": scale["echelle_min"],
        "scale_max": scale["echelle_max"],
        "mid_term_due": form.get("echeance_intermediaire") or None,
        "final_due": form["echeance_finale"],
    }
    try:
        opened = await evaluation.post("/v1/campaigns", body)
    except ApiProblem as problem:
        if problem.status != 422:
            raise
        for error in problem.body.get("errors") or []:
            top = str(error.get("field", "")).split(".")[0]
            errors.setdefault(API_FIELDS.get(top, "probleme"), str(error.get("message")))
        return await _new_page(request, session, values, errors, problem.message, 422)
    return RedirectResponse(f"/evaluation/campagnes/{opened['id']}?fait=ouverte", status_code=303)


def _why_not_valid(campaign: dict[str, Any], results: dict[str, Any]) -> list[str]:
    """The validation rule's failures in the user's words (the API's ``validated`` decides)."""
    if results["validated"]:
        return []
    reasons = []
    experts = next(p["evaluators"] for p in results["perspectives"] if p["perspective"] == "external_expert")
    if experts < MIN_EXTERNAL_EXPERTS:
        reasons.append(
            _("Experts externes ayant déposé leur évaluation : %(count)s sur %(needed)s au moins.")
            % {"count": experts, "needed": MIN_EXTERNAL_EXPERTS}
        )
    unscored = [
        _criterion_label(c)
        for c in campaign["criteria"]
        if c["mandatory"] and c["code"] not in results["overall_criteria"]
    ]
    if unscored:
        reasons.append(
            _("Critères obligatoires encore sans note : %(list)s.") % {"list": ", ".join(unscored)}
        )
    return reasons or list(results["reasons"])


def _error_links(
    errors: dict[str, str], criteria: list[tuple[dict[str, Any], str]], without_validation: bool
) -> list[tuple[str, str, str]]:
    """A refused form's errors for the summary at the top of the campaign page: (field's id, its label,
    the error), in the page's order — the consensus form is far below, its errors were not seen."""
    labels = {
        "org_id": ("org_id", _("Son organisation")),
        "compte": ("compte", _("La personne invitée")),
        "perspective": ("perspective-author", _("Elle évalue à titre de")),
        "echeance_intermediaire": (
            "echeance_intermediaire",
            _("Échéance intermédiaire (test d'utilisation)"),
        ),
        "echeance_finale": ("echeance_finale", _("Échéance finale")),
    }
    for c, label in criteria:
        labels[f"note_{c['code']}"] = (
            f"note_{c['code']}",
            _("Note de consensus : %(criterion)s") % {"criterion": label},
        )
    labels["conclusions"] = (
        "conclusions-sans-validation" if without_validation else "conclusions",
        _("Conclusions partagées"),
    )
    return [(*labels[name], message) for name, message in errors.items() if message and name in labels]


async def _results_if_readable(
    evaluation: EvaluationApi, campaign_id: uuid.UUID, milestone: str
) -> dict[str, Any] | None:
    """The milestone's results, or None while the evaluator asking has not submitted their own grid."""
    try:
        found: dict[str, Any] = await evaluation.get(
            f"/v1/campaigns/{campaign_id}/results", milestone=milestone
        )
    except ApiProblem as problem:
        if problem.status != 403:
            raise
        return None
    return found


async def _campaign_page(
    request: Request,
    session: Session,
    evaluation: EvaluationApi,
    directory: DirectoryDep,
    campaign_id: uuid.UUID,
    milestone: str,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    problem: str = "",
    find: str = "",
    deadlines: dict[str, str] | None = None,
) -> Response:
    campaign, results = await asyncio.gather(
        evaluation.get(f"/v1/campaigns/{campaign_id}"),
        _results_if_readable(evaluation, campaign_id, milestone),
    )
    results_hidden = results is None
    if results is None:  # an evaluator before their own grid: nothing of the others' to show
        results = {
            "validated": False,
            "perspectives": [
                {"perspective": p, "criteria": {}, "weighted_score": None, "evaluators": 0}
                for p in PERSPECTIVES
            ],
            "overall_criteria": {},
            "overall_weighted_score": None,
            "reasons": [],
            "comments": [],
        }
    mine = None
    if session.role == "evaluator":
        mine = await evaluation.get(f"/v1/campaigns/{campaign_id}/assessments/{milestone}")
    manages = session.role == "coordinator" and campaign["status"] == "open"
    names = await directory.names({e["org_id"] for e in campaign["evaluators"]} | {campaign["org_id"]})
    # The directory is large: the coordinator filters it by name, as on the sign-in page.
    organisations = (await directory.search(q=find.strip() or None, limit=200))["items"] if manages else []
    by_perspective = {p["perspective"]: p for p in results["perspectives"]}
    criteria = [(c, _criterion_label(c)) for c in campaign["criteria"]]
    table = [
        (
            label,
            [_score(by_perspective[p]["criteria"].get(c["code"])) for p in PERSPECTIVES]
            + [_score(results["overall_criteria"].get(c["code"]))],
        )
        for c, label in criteria
    ]
    table.append(
        (
            _("Note pondérée"),
            [_score(by_perspective[p]["weighted_score"]) for p in PERSPECTIVES]
            + [_score(results["overall_weighted_score"])],
        )
    )
    chart = _chart(
        "bar",
        [label for _c, label in criteria],
        [(PERSPECTIVES[p], [cells[i] for _, cells in table[:-1]]) for i, p in enumerate(PERSPECTIVES)],
        y_min=campaign["scale_min"],
        y_max=campaign["scale_max"],
        narrow=True,  # drawn taller on a phone too: see the chart macro
    )
    # The proposed means as the table shows them (« 4,17 »): the form reads a comma as people write it.
    consensus_values = values or {
        f"note_{c['code']}": _score(results["overall_criteria"][c["code"]]).text
        for c, _label in criteria
        if c["code"] in results["overall_criteria"]
    }
    # The API keeps agreed scores exact (« 9/2 »): read as the decimals they are (« 4,5 »).
    agreed = {
        code: _score(float(Fraction(str(value)))).text
        for code, value in ((campaign.get("consensus") or {}).get("agreed_scores") or {}).items()
    }
    # An evaluator's first button opens the grid of the next milestone due (the usage test comes first).
    ahead = campaign["status"] == "open" and not campaign.get("final_reached")
    upcoming = (
        "mid_term"
        if ahead and campaign.get("mid_term_due") and not campaign.get("mid_term_reached")
        else "final"
    )
    mine_upcoming = mine
    if mine is not None and upcoming != milestone:
        mine_upcoming = await evaluation.get(f"/v1/campaigns/{campaign_id}/assessments/{upcoming}")
    done = request.query_params.get("fait", "")
    return render(
        request,
        "evaluation/campaign.html",
        session,
        status_code,
        error_links=_error_links(errors or {}, criteria, (values or {}).get("sans_validation") == "1"),
        title=campaign["title"],
        campaign=campaign,
        results=results,
        milestone=milestone,
        slug=SLUG_OF[milestone],
        milestones=MILESTONES,
        criteria=criteria,
        table=table,
        scores_chart=chart if results["overall_criteria"] else None,
        perspectives=PERSPECTIVES,
        perspective_choices=PERSPECTIVE_CHOICES,
        reasons=_why_not_valid(campaign, results),
        results_hidden=results_hidden,
        mine=mine,
        manages=manages,
        names=names,
        organisations=organisations,
        statuses=STATUSES,
        kinds=SUBJECT_KINDS,
        done=DONE.get(done, ""),
        errors=errors or {},
        values=consensus_values,
        agreed=agreed,
        upcoming=upcoming,
        mine_upcoming=mine_upcoming,
        slugs=SLUG_OF,
        problem=problem,
        deadlines=deadlines or deadline_values(campaign),
        passed={m: deadline_passed(campaign, m) for m in MILESTONES},
        # Each criterion's share of the weight with one decimal, as the report writes it: rounded to
        # whole percents, six shares of 1/6 read 17 % each, 102 % together.
        shares={
            c["code"]: format_percent(c["share"], "#,##0.#\u202f%", locale=i18n.current())
            for c in campaign["criteria"]
        },
        locked={m: grid_locked(campaign, m) for m in MILESTONES},
    )


@router.get(
    "/campagnes/{campaign_id}",
    response_class=HTMLResponse,
    summary="Une campagne : grille, évaluateurs, résultats",
)
async def campaign_page(
    request: Request,
    campaign_id: uuid.UUID,
    session: CurrentSession,
    evaluation: Evaluation,
    directory: DirectoryDep,
    etape: str = "finale",
    organisations: str = "",
) -> Response:
    if (refused := _refusal(request, session)) is not None:
        return refused
    return await _campaign_page(
        request,
        session,
        evaluation,
        directory,
        campaign_id,
        MILESTONE_SLUGS.get(etape, "final"),
        find=organisations,
    )


@router.post("/campagnes/{campaign_id}/evaluateurs", summary="Inviter un évaluateur ou une évaluatrice")
async def invite(
    request: Request,
    campaign_id: uuid.UUID,
    session: CsrfSession,
    evaluation: Evaluation,
    directory: DirectoryDep,
    org_id: Annotated[str, Form()] = "",
    compte: Annotated[str, Form()] = "",
    perspective: Annotated[str, Form()] = "",
) -> Response:
    if (refused := _refusal(request, session, ("coordinator",))) is not None:
        return refused
    errors = {}
    if not org_id:
        errors["org_id"] = _("Choisissez l'organisation de la personne invitée.")
    if not compte.strip():
        errors["compte"] = _("Indiquez l'identifiant de connexion de la personne invitée.")
    if perspective not in PERSPECTIVES:
        errors["perspective"] = _("Choisissez à quel titre la personne évalue.")
    values = {"org_id": org_id, "compte": compte, "perspective": perspective}
    if not errors:
        try:
            await evaluation.post(
                f"/v1/campaigns/{campaign_id}/evaluators",
                {"org_id": org_id, "sub": compte.strip(), "perspective": perspective},
            )
            return RedirectResponse(
                f"/evaluation/campagnes/{campaign_id}?fait=invite#evaluateurs", status_code=303
            )
        except ApiProblem as problem:
            if problem.status == 409:
                errors["compte"] = _(
                    "Cette personne est déjà invitée à la campagne, ou la campagne est close."
                )
            elif problem.status == 422:
                fields = problem.field_errors()
                errors["org_id"] = fields.get("org_id", "")
                if "perspective" in fields:  # the organisation does not fit the perspective
                    errors["perspective"] = _(
                        "Une experte ou un expert externe n'appartient ni à l'organisation qui conduit la "
                        "campagne ni à la coordination ; un pair n'appartient pas à l'organisation qui la "
                        "conduit. Choisissez une autre organisation ou un autre titre."
                    )
                errors["compte"] = fields.get("sub", "") or (
                    "" if fields.get("org_id") or fields.get("perspective") else problem.message
                )
            else:
                raise
    return await _campaign_page(
        request, session, evaluation, directory, campaign_id, "final", 422, errors, values
    )


@router.post("/campagnes/{campaign_id}/echeances", summary="Déplacer les échéances de la campagne")
async def move_deadlines(
    request: Request,
    campaign_id: uuid.UUID,
    session: CsrfSession,
    evaluation: Evaluation,
    directory: DirectoryDep,
) -> Response:
    if (refused := _refusal(request, session, ("coordinator",))) is not None:
        return refused
    form, campaign = await _posted(request, evaluation, campaign_id)
    body, errors = deadlines_body(form, campaign)
    if not errors:
        try:
            await evaluation.put(f"/v1/campaigns/{campaign_id}/deadlines", body)
            return RedirectResponse(
                f"/evaluation/campagnes/{campaign_id}?fait=echeances#echeances-titre", status_code=303
            )
        except ApiProblem as problem:
            if problem.status not in (409, 422):
                raise
            if problem.status == 409:  # closed meanwhile: the page has no form left, the alert says why
                return await _campaign_page(
                    request, session, evaluation, directory, campaign_id, "final", 409, problem=_(CLOSED)
                )
            errors = deadline_errors(problem)
    values = {k: form.get(k, "") for k in ("echeance_intermediaire", "echeance_finale")}
    return await _campaign_page(
        request, session, evaluation, directory, campaign_id, "final", 422, errors, deadlines=values
    )


async def _posted(
    request: Request, evaluation: EvaluationApi, campaign_id: uuid.UUID
) -> tuple[dict[str, str], dict[str, Any]]:
    """A campaign form's fields as posted, and the campaign as the API has it now."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return form, await evaluation.get(f"/v1/campaigns/{campaign_id}")


def _milestone(slug: str) -> str | None:
    return MILESTONE_SLUGS.get(slug)


@router.get(
    "/campagnes/{campaign_id}/grille/{etape}", response_class=HTMLResponse, summary="Ma grille d'évaluation"
)
async def grid_form(
    request: Request, campaign_id: uuid.UUID, etape: str, session: CurrentSession, evaluation: Evaluation
) -> Response:
    if (refused := _refusal(request, session, ("evaluator",))) is not None:
        return refused
    milestone = _milestone(etape)
    if milestone is None:
        return _not_found(request, session)
    campaign, mine = await asyncio.gather(
        evaluation.get(f"/v1/campaigns/{campaign_id}"),
        evaluation.get(f"/v1/campaigns/{campaign_id}/assessments/{milestone}"),
    )
    values = _stored_values(mine)
    return _grid_page(
        request, session, campaign, mine, milestone, values, passed=grid_locked(campaign, milestone)
    )


def _stored_values(mine: dict[str, Any]) -> dict[str, str]:
    """The evaluator's grid as the API stores it, as the form's values."""
    values = {f"note_{code}": str(score) for code, score in mine["scores"].items()}
    return values | {k: mine[k] for k in ("strong_points", "weaknesses", "recommendations")}


def _grid_page(
    request: Request,
    session: Session,
    campaign: dict[str, Any],
    mine: dict[str, Any],
    milestone: str,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    problem: str = "",
    status_code: int = 200,
    passed: str = "",
) -> Response:
    """``passed``: why the milestone's grid can no longer be submitted (the campaign closed, or its
    deadline passed): the page says so and shows the grid read-only, no form."""
    # The API accepts a grid without every mandatory criterion: said, with what it means, once filed.
    unscored = [
        _criterion_label(c)
        for c in campaign["criteria"]
        if c["mandatory"] and mine.get("submitted") and c["code"] not in mine["scores"]
    ]
    return render(
        request,
        "evaluation/grid.html",
        session,
        status_code,
        title=_("Ma grille d'évaluation"),
        campaign=campaign,
        mine=mine,
        milestone=milestone,
        slug=SLUG_OF[milestone],
        milestones=MILESTONES,
        criteria=[(c, _criterion_label(c)) for c in campaign["criteria"]],
        scale=range(campaign["scale_min"], campaign["scale_max"] + 1),
        perspective_choices=PERSPECTIVE_CHOICES,
        values=values,
        errors=errors or {},
        problem=problem,
        done=DONE.get(request.query_params.get("fait", ""), ""),
        passed=passed,
        unscored=unscored,
    )


@router.post("/campagnes/{campaign_id}/grille/{etape}", summary="Enregistrer ma grille d'évaluation")
async def grid_submit(
    request: Request, campaign_id: uuid.UUID, etape: str, session: CsrfSession, evaluation: Evaluation
) -> Response:
    if (refused := _refusal(request, session, ("evaluator",))) is not None:
        return refused
    milestone = _milestone(etape)
    if milestone is None:
        return _not_found(request, session)
    form, campaign = await _posted(request, evaluation, campaign_id)
    scores, errors = {}, {}
    for criterion in campaign["criteria"]:
        raw = form.get(f"note_{criterion['code']}", "")
        if raw.isdigit() and campaign["scale_min"] <= int(raw) <= campaign["scale_max"]:
            scores[criterion["code"]] = int(raw)
        elif raw:
            errors[f"note_{criterion['code']}"] = _("Choisissez une note de l'échelle.")
    texts = {k: form.get(k, "").strip() for k in ("strong_points", "weaknesses", "recommendations")}
    values = {f"note_{k}": str(v) for k, v in scores.items()} | texts
    if not errors:
        try:
            await evaluation.put(
                f"/v1/campaigns/{campaign_id}/assessments/{milestone}", {"scores": scores, **texts}
            )
            return RedirectResponse(
                f"/evaluation/campagnes/{campaign_id}/grille/{etape}?fait=enregistree", status_code=303
            )
        except ApiProblem as problem:
            if problem.status not in (409, 422):
                raise
            if problem.status == 409:  # closed or passed since the page was shown: say why, no form
                mine = await evaluation.get(f"/v1/campaigns/{campaign_id}/assessments/{milestone}")
                deadline = is_deadline_refusal(problem)
                now = (
                    {**campaign, f"{milestone}_reached": True}
                    if deadline
                    else {**campaign, "status": "closed"}
                )
                passed = deadline_passed(now, milestone) if deadline else grid_locked(now, milestone)
                # The grid as stored, not the refused edit: that is what the coordinator will read; the
                # campaign as the refusal says it now is (its heading says closed, not « échéance passée »).
                return _grid_page(
                    request,
                    session,
                    now,
                    mine,
                    milestone,
                    _stored_values(mine),
                    passed=passed,
                    status_code=409,
                )
            for error in problem.body.get("errors") or []:
                name = str(error.get("field", ""))
                errors[
                    name.replace("scores.", "note_") if name.startswith("scores.") else name.split(".")[-1]
                ] = str(error.get("message"))
            mine = await evaluation.get(f"/v1/campaigns/{campaign_id}/assessments/{milestone}")
            return _grid_page(request, session, campaign, mine, milestone, values, errors, "", 422)
    mine = await evaluation.get(f"/v1/campaigns/{campaign_id}/assessments/{milestone}")
    return _grid_page(request, session, campaign, mine, milestone, values, errors, status_code=422)


@router.post("/campagnes/{campaign_id}/consensus", summary="Clore la campagne par sa synthèse de consensus")
async def consensus(
    request: Request,
    campaign_id: uuid.UUID,
    session: CsrfSession,
    evaluation: Evaluation,
    directory: DirectoryDep,
) -> Response:
    if (refused := _refusal(request, session, ("coordinator",))) is not None:
        return refused
    form, campaign = await _posted(request, evaluation, campaign_id)
    without_validation = form.get("sans_validation") == "1"
    agreed, errors = {}, {}
    for criterion in campaign["criteria"]:
        raw = form.get(f"note_{criterion['code']}", "").strip()
        if not raw:
            if criterion["mandatory"] and not without_validation:
                errors[f"note_{criterion['code']}"] = _("Une note de consensus est requise pour ce critère.")
            continue
        value = _weight(raw)
        if value is None or not campaign["scale_min"] <= value <= campaign["scale_max"]:
            errors[f"note_{criterion['code']}"] = _("Une note entre %(min)s et %(max)s.") % {
                "min": campaign["scale_min"],
                "max": campaign["scale_max"],
            }
        else:
            agreed[criterion["code"]] = str(round(value, 2))
    conclusions = form.get("conclusions", "").strip()
    if not conclusions:
        errors["conclusions"] = _("Rédigez les conclusions partagées.")
    values = {k: v for k, v in form.items() if k not in ("csrf_token", "confirme")}
    if not errors and form.get("confirme") != "oui":
        # Not undone: said first, done on confirmation only (the page's modal confirms; a form posted
        # without it — no script — lands here, its notes and conclusions kept for the confirmation).
        labels = {c["code"]: _criterion_label(c) for c in campaign["criteria"]}
        return render(
            request,
            "evaluation/confirm_close.html",
            session,
            campaign=campaign,
            values=values,
            without_validation=without_validation,
            agreed=[(labels[code], _score(float(value)).text) for code, value in agreed.items()],
        )
    if not errors:
        try:
            await evaluation.post(
                f"/v1/campaigns/{campaign_id}/close",
                {
                    "agreed_scores": agreed,
                    "conclusions": conclusions,
                    "without_validation": without_validation,
                },
            )
            return RedirectResponse(f"/evaluation/campagnes/{campaign_id}?fait=close", status_code=303)
        except ApiProblem as problem:
            if problem.status not in (409, 422):
                raise
            for error in problem.body.get("errors") or []:
                name = str(error.get("field", ""))
                if name.startswith("agreed_scores."):
                    errors[name.replace("agreed_scores.", "note_")] = str(error.get("message"))
            problem_text = problem.message if problem.status == 409 else ""
            return await _campaign_page(
                request,
                session,
                evaluation,
                directory,
                campaign_id,
                "final",
                problem.status,
                errors,
                values,
                problem_text,
            )
    return await _campaign_page(
        request, session, evaluation, directory, campaign_id, "final", 422, errors, values
    )


@router.get("/campagnes/{campaign_id}/rapport.{extension}", summary="Rapport de la campagne (HTML ou PDF)")
async def report(
    request: Request,
    campaign_id: uuid.UUID,
    extension: str,
    session: CurrentSession,
    evaluation: Evaluation,
    directory: DirectoryDep,
) -> Response:
    if (refused := _refusal(request, session)) is not None:
        return refused
    if extension not in ("html", "pdf"):
        return _not_found(request, session)
    # The service knows organisations by id: the report names them as the directory does.
    campaign = await evaluation.get(f"/v1/campaigns/{campaign_id}")
    names = await directory.names({campaign["org_id"]} | {e["org_id"] for e in campaign["evaluators"]})
    found = await evaluation.download(
        f"/v1/campaigns/{campaign_id}/report.{extension}",
        organisation=[f"{i}={n}" for i, n in sorted(names.items()) if n],
    )
    headers = {"Content-Disposition": found.disposition} if extension == "pdf" else {}
    return Response(found.content, media_type=found.media_type, headers=headers)
