"""The indicators of the pact (DOMAIN.md, « Outcomes and evaluation ») and how a table of them is published.

An indicator counts units (referrals, people, spells without support, enrolments, clause hours, exits)
over a period, broken down by at most two dimensions among those it allows: month or year, territory
(département), organisation, organisation pair, and the equality axes (never origin). The store's SQL
gives, for every combination of the dimensions' values and their margins, the raw sums of each counted
measure; :func:`publish` hides the small cells (see ``suppression``) and derives rates and means from
what stays visible.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from relais_evaluation.domain.errors import InvalidInput
from relais_evaluation.domain.exits import SITUATIONS, ExitDefinition
from relais_evaluation.domain.facts import AXES
from relais_evaluation.domain.suppression import (
    Equation,
    Overlap,
    cube_equations,
    part_equations,
    suppress,
)

# unpublished: a count never shown, only there so that suppression protects it (see ``exit_spec``).
MeasureKind = Literal["count", "sum", "internal", "rate", "mean", "scaled", "unpublished"]
Key = tuple[str | None, ...]

DIMENSIONS: dict[str, str] = {
    "month": "Mois",
    "year": "Année",
    "territory": "Territoire (département)",
    "organisation": "Organisation",
    "organisation_pair": "Paire d'organisations (envoi → réception)",
    "buyer": "Acheteur",
    "return_reason": "Motif de retour",
    "sex": "Sexe",
    "age_band": "Tranche d'âge",
    "qpv_resident": "Résidence en QPV",
    "nationality_category": "Nationalité (française, UE, hors UE)",
    "education_level": "Niveau de formation",
    "long_term_unemployed": "Chômage de longue durée",
    "minimum_income": "Minima sociaux",
    "disability": "Handicap reconnu",
}
MAX_GROUP_BY = 2
FTE_HOURS = 1600  # the national network's convention: 1,600 hours = one full-time equivalent


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    kind: MeasureKind = "count"
    numerator: str | None = None  # rate, mean, scaled: what is divided (or scaled)
    denominator: str | None = None  # rate, mean: the count divided by; sum: the count it is hidden with
    scale: float = 1.0


@dataclass(frozen=True)
class IndicatorSpec:
    name: str
    label: str
    description: str
    dimensions: tuple[str, ...]
    measures: tuple[Measure, ...]
    # Measures that add up to another inside a row: (total, its parts).
    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Measures of a row that each add up some of the same unpublished ones: (measure, tier, what it adds
    # up); when one must be hidden, the lowest tier goes first.
    overlaps: tuple[tuple[str, int, tuple[str, ...]], ...] = ()

    @property
    def counted(self) -> tuple[str, ...]:
        """What the SQL sums (everything that is not derived)."""
        return tuple(m.key for m in self.measures if m.kind in ("count", "sum", "internal"))


_PEOPLE_DIMENSIONS = ("month", "year", "territory", *AXES)

REFERRAL_FUNNEL = IndicatorSpec(
    "referral_funnel",
    "Entonnoir des orientations",
    "Orientations envoyées sur la période et ce qu'elles sont devenues ; délais d'accusé de réception tenus.",
    ("month", "year", "territory", "organisation", "organisation_pair", *AXES),
    (
        Measure("submitted", "Orientations envoyées"),
        Measure("acknowledged", "Accusées de réception"),
        Measure("acknowledged_on_time", "Accusées dans le délai"),
        # A referral still within its deadline is no late one: the rate divides by those acknowledged
        # or past their due day (as of today, or the query's ``as_of``).
        Measure("acknowledgement_known", "Accusées ou au délai d'accusé échu"),
        Measure(
            "acknowledged_on_time_rate",
            "Part accusée dans le délai",
            "rate",
            "acknowledged_on_time",
            "acknowledgement_known",
        ),
        Measure("days_to_acknowledge", "Jours jusqu'à l'accusé (somme)", "internal"),
        Measure(
            "days_to_acknowledge_mean",
            "Délai moyen d'accusé (jours)",
            "mean",
            "days_to_acknowledge",
            "acknowledged",
        ),
        Measure("appointment_scheduled", "Rendez-vous fixés"),
        Measure("seen", "Personnes reçues"),
        Measure("accepted", "Prises en charge"),
        # Divided by the referrals answered or ended, not by every one sent: one awaiting an answer is
        # no refusal.
        Measure("decided", "Orientations à l'issue connue"),
        Measure("accepted_rate", "Part prise en charge (issues connues)", "rate", "accepted", "decided"),
        Measure("returned_to_sender", "Retours à l'envoyeur"),
        Measure("refused", "Refus"),
        Measure("expired", "Expirations"),
        Measure("withdrawn", "Retraits"),
        Measure("obsolete", "Devenues sans objet"),
        Measure("closed", "Accompagnements clos"),
        Measure("escalated_to_coordination", "Signalées à la coordination"),
    ),
    (
        ("returned_to_sender", ("refused", "expired")),
        # A referral ends once, one way: the known outcomes add up (else a hidden one is a difference).
        ("decided", ("accepted", "refused", "expired", "withdrawn", "obsolete")),
    ),
)
RETURNS_TO_SENDER = IndicatorSpec(
    "returns_to_sender",
    "Retours à l'envoyeur",
    "Orientations revenues à l'organisation qui les avait envoyées (refus, expiration), par motif.",
    ("month", "year", "territory", "organisation", "organisation_pair", "return_reason", *AXES),
    (
        Measure("returned_to_sender", "Retours à l'envoyeur"),
        Measure("refused", "Refus"),
        Measure("expired", "Expirations"),
    ),
    (("returned_to_sender", ("refused", "expired")),),
)
UNACCOMPANIED = IndicatorSpec(
    "unaccompanied",
    "Personnes sans accompagnement",
    "Personnes restées sans référent ni orientation en cours : nombre et durée (objectif du pacte : zéro).",
    _PEOPLE_DIMENSIONS,
    (
        Measure("people_started", "Personnes devenues sans accompagnement"),
        Measure("spells_started", "Périodes sans accompagnement commencées"),
        Measure("open_at_end", "Personnes sans accompagnement en fin de période"),
        Measure("spells_ended", "Périodes terminées"),
        Measure("duration_days", "Durée des périodes terminées (somme, jours)", "internal"),
        Measure(
            "duration_days_mean", "Durée moyenne (jours calendaires)", "mean", "duration_days", "spells_ended"
        ),
        # Those still waiting weigh most: how long they have waited so far, at the end of the period.
        Measure(
            "waiting_days", "Attente à ce jour des personnes encore sans accompagnement (somme)", "internal"
        ),
        Measure(
            "waiting_days_mean",
            "Attente moyenne à ce jour des personnes encore sans accompagnement (jours calendaires)",
            "mean",
            "waiting_days",
            "open_at_end",
        ),
    ),
)
UNACCOMPANIED_OVER_TIME = IndicatorSpec(
    "unaccompanied_over_time",
    "Personnes sans accompagnement, fin de chaque mois",
    "Personnes sans référent ni orientation en cours le dernier jour de chaque mois de la période.",
    ("month", "territory", *AXES),
    (Measure("people", "Personnes sans accompagnement"),),
)
ORIENTATION_DELAYS = IndicatorSpec(
    "orientation_delays",
    "Orientées en 45 jours, accompagnées en 30 jours",
    "Personnes dont la première orientation date de la période : prise en charge dans les 45 jours, "
    "premier rendez-vous honoré dans les 30 jours (délais en jours calendaires, réglables).",
    _PEOPLE_DIMENSIONS,
    (
        Measure("people", "Personnes orientées pour la première fois"),
        Measure("oriented_in_time", "Prises en charge dans le délai"),
        # The rates divide by the people whose window is over or who made it in time: someone referred
        # ten days ago and not taken in charge yet has not missed the 45 days.
        Measure("orientation_known", "Personnes au délai de prise en charge échu ou tenu"),
        Measure(
            "oriented_rate", "Part orientée dans le délai", "rate", "oriented_in_time", "orientation_known"
        ),
        Measure("accompanied_in_time", "Reçues dans le délai"),
        Measure("accompaniment_known", "Personnes au délai de premier rendez-vous échu ou tenu"),
        Measure(
            "accompanied_rate",
            "Part accompagnée dans le délai",
            "rate",
            "accompanied_in_time",
            "accompaniment_known",
        ),
    ),
)
TRAINING = IndicatorSpec(
    "training",
    "Formations : achèvement et abandon",
    "Inscriptions confirmées sur la période et leur issue.",
    ("month", "year", "territory", "organisation", *AXES),
    (
        Measure("confirmed", "Inscriptions confirmées"),
        Measure("ended", "Formations terminées ou abandonnées"),
        Measure("completed", "Formations achevées"),
        Measure("abandoned", "Abandons"),
        Measure("certified", "Certifications obtenues"),
        Measure("cancelled", "Inscriptions annulées"),
        Measure("completion_rate", "Taux d'achèvement", "rate", "completed", "ended"),
        Measure("abandonment_rate", "Taux d'abandon", "rate", "abandoned", "ended"),
    ),
    (("ended", ("completed", "abandoned")),),
)
CLAUSE_HOURS = IndicatorSpec(
    "clause_hours",
    "Clauses d'insertion : heures déclarées, exigées, ETP",
    # The events carry the hours declared, not the buyers' counting rules: these are the declared hours
    # (latest version of each period), which the clauses service's yearly report counts after the rules.
    "Heures déclarées des périodes comprises dans la période (dernière version de chaque période), avant "
    "les règles de décompte des acheteurs (heures de formation pondérées, forfait par type de contrat, "
    "plafonds) que le bilan des clauses applique ; heures exigées au prorata de la durée des marchés (sans "
    "ventilation par mois ni par axe), équivalents temps plein (1 600 h).",
    ("month", "year", "organisation", "buyer", *AXES),
    (
        Measure("participants", "Participants"),
        Measure("hours_realised", "Heures déclarées", "sum", denominator="participants"),
        Measure("fte", "Équivalents temps plein", "scaled", "hours_realised", scale=1 / FTE_HOURS),
        Measure("hours_required", "Heures exigées (prorata)", "sum"),
        Measure("realisation_rate", "Déclaré / exigé", "rate", "hours_realised", "hours_required"),
    ),
)
EXITS = IndicatorSpec(
    "exits",
    "Sorties par catégorie",
    "Sorties du pacte sur la période, par catégorie, à la sortie ou à +3, +6, +12 mois (dernière situation "
    "connue à cette date), sous une ou deux définitions côte à côte.",
    ("month", "year", "territory", "organisation", *AXES),
    (Measure("exits", "Sorties observables à cet horizon"),),
)
INDICATORS: dict[str, IndicatorSpec] = {
    spec.name: spec
    for spec in (
        REFERRAL_FUNNEL,
        RETURNS_TO_SENDER,
        UNACCOMPANIED,
        UNACCOMPANIED_OVER_TIME,
        ORIENTATION_DELAYS,
        TRAINING,
        CLAUSE_HOURS,
        EXITS,
    )
}


def refinement_of(definitions: Sequence[ExitDefinition], situation: str) -> str:
    """The cell of the definitions' common refinement a situation falls in, named by its category under
    each of them (``refinement:dares-iae@1=other&pacte-elargie@1=positive_exit`` for civic service)."""
    return _refinement_key(definitions, tuple(d.category_of(situation) for d in definitions))


def _refinement_key(definitions: Sequence[ExitDefinition], categories: tuple[str, ...]) -> str:
    return "refinement:" + "&".join(f"{d.key}={c}" for d, c in zip(definitions, categories, strict=True))


def exit_spec(definitions: Sequence[ExitDefinition]) -> IndicatorSpec:
    """The exits indicator with a count and a share per category (and positive exits) of each definition.

    Two definitions side by side overlap: a difference between a category of one and a category of the
    other is a group of people too (the pact's positive exits minus the official ones are the people in
    civic service, volunteering…). So the cells of their common refinement (the situations every
    definition puts in the same categories) are counted as well, never published, and the exits, every
    category and the positive exits of a row are declared as sums of them: suppression then checks
    exactly, row by row, that the cells shown give back no group smaller than the threshold (see
    ``suppression``), hiding the cells of the last definition first so that the first (the official
    one, as the portal lists them) stays as whole as it can."""
    measures = [Measure("exits", "Sorties observables à cet horizon")]
    parts: list[tuple[str, tuple[str, ...]]] = []
    overlaps: list[tuple[str, int, tuple[str, ...]]] = []
    # A situation code the store holds that is not (or no longer) in SITUATIONS falls, like "unknown",
    # in every definition's default category.
    refinement = sorted({tuple(d.category_of(s) for d in definitions) for s in (*SITUATIONS, "unknown")})
    cells = [_refinement_key(definitions, r) for r in refinement]

    def made_of(i: int, categories: Sequence[str]) -> tuple[str, ...]:
        return tuple(c for c, r in zip(cells, refinement, strict=True) if r[i] in categories)

    for i, d in enumerate(definitions):
        tier = len(definitions) - 1 - i
        keys = []
        for category in d.categories:
            key = f"{d.key}:{category}"
            keys.append(key)
            measures.append(Measure(key, f"{d.category_labels[category]} ({d.code} v{d.version})"))
            measures.append(
                Measure(
                    f"{key}:share", f"Part {d.category_labels[category]} ({d.code})", "rate", key, "exits"
                )
            )
            overlaps.append((key, tier, made_of(i, [category])))
        parts.append(("exits", tuple(keys)))
        if d.positive:
            key = f"{d.key}:positive"
            parts.append((key, tuple(f"{d.key}:{c}" for c in d.positive)))
            overlaps.append((key, tier, made_of(i, d.positive)))
            measures.append(Measure(key, f"Sorties positives ({d.code} v{d.version})", "internal"))
            measures.append(
                Measure(f"{key}:share", f"Part de sorties positives ({d.code})", "rate", key, "exits")
            )
    if len(definitions) < 2:  # one definition is its own refinement: its parts are all there is
        return replace(EXITS, measures=tuple(measures), parts=tuple(parts))
    overlaps.append(("exits", len(definitions), tuple(cells)))
    measures += [Measure(c, "", "unpublished") for c in cells]
    # The exact check of the overlaps covers the sums inside a row: no parts, which would hide more.
    return replace(EXITS, measures=tuple(measures), overlaps=tuple(overlaps))


@dataclass(frozen=True)
class IndicatorQuery:
    indicator: str
    start: date
    end: date  # inclusive
    group_by: tuple[str, ...] = ()
    territory: str | None = None
    organisation: uuid.UUID | None = None  # only the rows of this organisation (sender, receiver, provider…)
    horizon_months: int = 0  # exits: the situation at exit (0), or at +3, +6, +12 months
    # The day the deadlines are looked at (today by default): the exits whose horizon it reaches, the
    # acknowledgements, orientations and first appointments whose deadline is over before it.
    as_of: date | None = None
    orientation_days: int = 45
    accompaniment_days: int = 30


class InvalidQuery(InvalidInput):
    pass


def check_group_by(spec: IndicatorSpec, group_by: Sequence[str]) -> None:
    errors = []
    if len(group_by) > MAX_GROUP_BY:
        errors.append({"field": "group_by", "message": f"Au plus {MAX_GROUP_BY} dimensions."})
    if len(set(group_by)) != len(group_by):
        errors.append({"field": "group_by", "message": "Une dimension est demandée deux fois."})
    for dim in group_by:
        if dim not in spec.dimensions:
            errors.append(
                {
                    "field": "group_by",
                    "message": f"« {dim} » n'est pas une dimension de cet indicateur "
                    f"(possibles : {', '.join(spec.dimensions)}).",
                }
            )
    if errors:
        raise InvalidQuery(errors)


@dataclass(frozen=True)
class Value:
    value: int | float | None
    suppressed: bool = False


@dataclass(frozen=True)
class Row:
    key: Key  # one value per dimension of ``group_by``; None is the total over that dimension
    values: Mapping[str, Value]


@dataclass(frozen=True)
class Table:
    spec: IndicatorSpec
    group_by: tuple[str, ...]
    threshold: int
    rows: tuple[Row, ...]

    def total(self) -> Row:
        return next(r for r in self.rows if all(v is None for v in r.key))


def publish(
    spec: IndicatorSpec,
    group_by: Sequence[str],
    sums: Mapping[Key, Mapping[str, float]],
    threshold: int,
) -> Table:
    """The published table: counts below the threshold hidden (and by difference), derived values after."""
    keys = sorted(sums, key=lambda k: tuple((v is None, v or "") for v in k))
    counts = {m.key for m in spec.measures if m.kind == "count"}
    internal_counts = {m.key for m in spec.measures if m.kind == "internal" and m.key.endswith(":positive")}
    unpublished = {m.key for m in spec.measures if m.kind == "unpublished"}
    suppressible = counts | internal_counts | unpublished
    values = {(k, m): int(sums[k].get(m, 0)) for k in keys for m in suppressible}
    equations: list[Equation] = cube_equations(keys, sorted(suppressible))
    equations += part_equations(keys, spec.parts)
    overlaps = [
        Overlap(
            {(k, m): tuple((k, p) for p in ps) for m, _, ps in spec.overlaps},
            {(k, m): t for m, t, _ in spec.overlaps},
        )
        for k in keys
        if spec.overlaps
    ]
    hidden = suppress(values, equations, threshold, overlaps)
    rows = []
    for key in keys:
        raw = sums[key]
        shown: dict[str, Value] = {}

        def is_hidden(measure: str | None, key: Key = key) -> bool:
            return measure is not None and (key, measure) in hidden

        for m in spec.measures:
            if m.kind in ("internal", "unpublished"):
                continue
            if m.kind == "count":
                shown[m.key] = Value(None, True) if is_hidden(m.key) else Value(int(raw.get(m.key, 0)))
            elif m.kind == "sum":
                amount = raw.get(m.key)
                shown[m.key] = Value(None, True) if is_hidden(m.denominator) else Value(amount)
            elif m.kind == "scaled":
                assert m.numerator is not None
                base = raw.get(m.numerator)
                hide = _hidden_basis(spec, m.numerator, is_hidden)
                shown[m.key] = Value(None, True) if hide else Value(None if base is None else base * m.scale)
            else:  # rate, mean
                assert m.numerator is not None and m.denominator is not None
                hide = _hidden_basis(spec, m.numerator, is_hidden) or is_hidden(m.denominator)
                num, den = raw.get(m.numerator), raw.get(m.denominator)
                if hide:
                    shown[m.key] = Value(None, True)
                else:
                    shown[m.key] = Value(None if not den or num is None else num / den)
        rows.append(Row(key, shown))
    return Table(spec, tuple(group_by), threshold, tuple(rows))


def _hidden_basis(spec: IndicatorSpec, measure: str, is_hidden: object) -> bool:
    """A sum is hidden with the count it comes from (hours with the participants who did them)."""
    assert callable(is_hidden)
    source = next((m for m in spec.measures if m.key == measure), None)
    if source is not None and source.kind == "sum":
        return bool(is_hidden(source.denominator))
    return bool(is_hidden(measure))
