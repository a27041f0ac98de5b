"""Every indicator on the synthetic quarter (``synthetic_pact.EVENTS``) equals what was counted by hand.

The indicators are SQL aggregates over the store, so this runs on PostgreSQL (a scratch database), with
the events handed to the live consumer's batch handler (no Kafka here: the replay test has it). The
threshold is 1 so that every figure shows; suppression has its own tests.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import jsonschema
import pytest
from sqlalchemy import text

from relais_dev.stack import repo_root
from relais_evaluation.domain.pseudonym import subject_key
from relais_shared.auth import DevIssuer

from .conftest import PACT_KEY, Store, api_for
from .synthetic_pact import ORGS, PARIS, PEOPLE, envelopes, ident, schema_of

pytestmark = pytest.mark.integration
# The quarter, looked at once every deadline of it is over (the rates count only what is due by then).
Q1 = {"from": "2027-01-01", "to": "2027-03-31", "as_of": "2027-12-31"}


def row(table: dict[str, Any], **dims: str | None) -> dict[str, float | None]:
    wanted = {d: dims.get(d) for d in table["group_by"]}
    found = [r for r in table["rows"] if r["dimensions"] == wanted]
    assert len(found) == 1, (wanted, [r["dimensions"] for r in table["rows"]])
    return {k: v["value"] for k, v in found[0]["values"].items()}


def test_every_event_of_the_fixture_satisfies_its_published_schema() -> None:
    for _, envelope in envelopes():
        jsonschema.validate(envelope.data, schema_of(envelope.type, repo_root()))


@pytest.fixture
async def api(store: Store, issuer: DevIssuer) -> Any:
    # Handed over newest first, in one batch: the store must not depend on the order it reads events in.
    await store.ingest([e for _, e in reversed(envelopes())])
    async with api_for(store, issuer, small_cell_threshold=1) as api:
        yield api


async def table(api: Any, name: str, **params: Any) -> dict[str, Any]:
    response = await api.get(f"/v1/indicators/{name}", **{**Q1, **params})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_referral_funnel_and_deadlines_met(api: Any) -> None:
    funnel = await table(api, "referral_funnel")
    # R1…R7 sent in the quarter; acknowledged: all but R4; late: R2 (14 Jan for 11 Jan); days to
    # acknowledge 1 + 10 + 1 + 1 + 1 + 1 = 15 over 6; seen R1, R3, R6; taken in charge R1, R3, R6;
    # refused R2, expired R4; withdrawn R5; obsolete R7; closed R1; R4 escalated to the coordination.
    assert row(funnel) == {
        "submitted": 7,
        "acknowledged": 6,
        "acknowledged_on_time": 5,
        "acknowledgement_known": 7,
        "acknowledged_on_time_rate": pytest.approx(5 / 7),
        "days_to_acknowledge_mean": pytest.approx(2.5),
        "appointment_scheduled": 2,
        "seen": 3,
        "accepted": 3,
        "decided": 7,
        "accepted_rate": pytest.approx(3 / 7),
        "returned_to_sender": 2,
        "refused": 1,
        "expired": 1,
        "withdrawn": 1,
        "obsolete": 1,
        "closed": 1,
        "escalated_to_coordination": 1,
    }
    by_receiver = await table(api, "referral_funnel", group_by="organisation")
    assert row(by_receiver, organisation=str(ORGS["ML"]))["submitted"] == 5  # R1 R2 R5 R6 R7
    assert row(by_receiver, organisation=str(ORGS["PLIE"]))["accepted"] == 1  # R3
    assert row(by_receiver, organisation=str(ORGS["CAP"]))["expired"] == 1  # R4
    pairs = await table(api, "referral_funnel", group_by="organisation_pair")
    ft_ml = row(pairs, organisation_pair=f"{ORGS['FT']} → {ORGS['ML']}")  # R1 R2 R5 R7
    assert (ft_ml["submitted"], ft_ml["acknowledged_on_time"], ft_ml["refused"]) == (4, 3, 1)
    by_territory = await table(api, "referral_funnel", group_by="territory")
    assert row(by_territory, territory="85")["submitted"] == 1  # R6
    by_age = await table(api, "referral_funnel", group_by="age_band")
    assert [row(by_age, age_band=a)["submitted"] for a in ("under_26", "26_49", "50_plus")] == [3, 3, 1]
    by_month = await table(api, "referral_funnel", group_by="month")
    assert row(by_month, month="2027-02")["submitted"] == 1  # R6


async def test_returns_to_sender_by_reason(api: Any) -> None:
    returns = await table(api, "returns_to_sender", group_by="return_reason")
    assert row(returns, return_reason="no_capacity") == {"returned_to_sender": 1, "refused": 1, "expired": 0}
    assert row(returns, return_reason="expired") == {"returned_to_sender": 1, "refused": 0, "expired": 1}
    assert row(returns)["returned_to_sender"] == 2


async def test_people_unaccompanied_count_and_duration(api: Any) -> None:
    # D since 14 Jan, never ended; C since 20 Feb, référent on 5 Mar (13 days); G since 1 Mar,
    # référent on 15 Mar (14 days).
    assert row(await table(api, "unaccompanied")) == {
        "people_started": 3,
        "spells_started": 3,
        "open_at_end": 1,
        "spells_ended": 2,
        "duration_days_mean": pytest.approx(13.5),
        "waiting_days_mean": pytest.approx(77),  # D, from 14 January to the end of March
    }
    over_time = await table(api, "unaccompanied_over_time")
    assert [row(over_time, month=m)["people"] for m in ("2027-01", "2027-02", "2027-03")] == [1, 2, 1]


async def test_an_erased_persons_spell_without_support_ends_on_their_erasure(api: Any) -> None:
    # D, still without support at the end of March, was erased on 20 April: D has left the pact's
    # records, and is no longer counted among the people left without support from that day (96 days).
    to_april = {"from": "2027-01-01", "to": "2027-04-30"}
    assert row(await table(api, "unaccompanied", **to_april)) == {
        "people_started": 3,
        "spells_started": 3,
        "open_at_end": 0,
        "spells_ended": 3,
        "duration_days_mean": pytest.approx((13 + 14 + 96) / 3),
        "waiting_days_mean": None,  # nobody is still waiting
    }
    over_time = await table(api, "unaccompanied_over_time", **to_april)
    assert [row(over_time, month=m)["people"] for m in ("2027-03", "2027-04")] == [1, 0]


async def test_oriented_within_45_days_and_accompanied_within_30_days(api: Any) -> None:
    # First referrals in the quarter: A B C D E F. Taken in charge within 45 days: A (4 days), B (18,
    # by R3); E took 46. Seen within 30 days: A (4), B (16); E was seen after 36.
    delays = await table(api, "orientation_delays")
    # The answer says the day its deadlines were looked at and the delays it counted with.
    assert (delays["as_of"], delays["orientation_days"], delays["accompaniment_days"]) == (
        "2027-12-31",
        45,
        30,
    )
    assert row(delays) == {
        "people": 6,
        "oriented_in_time": 2,
        "orientation_known": 6,
        "oriented_rate": pytest.approx(2 / 6),
        "accompanied_in_time": 2,
        "accompaniment_known": 6,
        "accompanied_rate": pytest.approx(2 / 6),
    }
    by_sex = await table(api, "orientation_delays", group_by="sex")
    assert row(by_sex, sex="F")["people"] == 2  # A C
    assert row(by_sex, sex="M")["oriented_in_time"] == 1  # B
    assert row(by_sex, sex="unknown")["people"] == 3  # D E F: no sex published
    # The other equality axes, as the producer corrected them for A, B and C (D E F: not known).
    expected = {
        "nationality_category": {"french": 1, "eu": 1, "non_eu": 1, "unknown": 3},
        "education_level": {"4": 1, "infra_3": 1, "6_plus": 1, "unknown": 3},
        "long_term_unemployed": {"yes": 2, "no": 1, "unknown": 3},  # B C; A
        "minimum_income": {"yes": 1, "no": 2, "unknown": 3},  # B; A C
        "disability": {"yes": 1, "no": 2, "unknown": 3},  # C; A B
    }
    for axis, people in expected.items():
        cut = await table(api, "orientation_delays", group_by=axis)
        assert {value: row(cut, **{axis: value})["people"] for value in people} == people, axis
    long_term = await table(api, "orientation_delays", group_by="long_term_unemployed")
    assert row(long_term, long_term_unemployed="yes")["oriented_in_time"] == 1  # B within 18 days; C not


async def test_a_referral_still_within_its_acknowledgement_deadline_is_not_counted_late(api: Any) -> None:
    # On 17 January, R4 (due that day) is not acknowledged yet but still has the day: the rate counts
    # the six acknowledged (five in time). On 18 January R4 is late: five in time out of seven.
    on_due_day = row(await table(api, "referral_funnel", as_of="2027-01-17"))
    assert (on_due_day["acknowledgement_known"], on_due_day["acknowledged_on_time_rate"]) == (
        6,
        pytest.approx(5 / 6),
    )
    day_after = row(await table(api, "referral_funnel", as_of="2027-01-18"))
    assert (day_after["acknowledgement_known"], day_after["acknowledged_on_time_rate"]) == (
        7,
        pytest.approx(5 / 7),
    )


async def test_an_answer_acknowledges_and_a_referral_withdrawn_before_its_due_day_owed_none(
    store: Store, issuer: DevIssuer
) -> None:
    # The quarter without two acknowledgements: the PLIE fixed R3's appointment on 18 January without
    # acknowledging it first (due 23 January: on time), and R5 was withdrawn on 14 January, before its
    # due day (19 January), unacknowledged. Acknowledged: R1 R2 R3 R6 R7, in time all but R2; owed:
    # those five and R4 (never answered), not R5.
    dropped = {("referral.acknowledged.v1", str(ident(r))) for r in ("R3", "R5")}
    await store.ingest([e for key, e in envelopes() if (e.type, key) not in dropped])
    async with api_for(store, issuer, small_cell_threshold=1) as api:
        funnel = row(await table(api, "referral_funnel"))
    assert (funnel["acknowledged"], funnel["acknowledged_on_time"], funnel["acknowledgement_known"]) == (
        5,
        4,
        6,
    )
    assert funnel["acknowledged_on_time_rate"] == pytest.approx(4 / 6)


async def test_a_referral_awaiting_its_answer_does_not_lower_the_share_taken_in_charge(
    store: Store, issuer: DevIssuer
) -> None:
    # The quarter as it stood on 16 January at noon: R1 taken in charge, R2 refused, R5 withdrawn; R4
    # and R3 still await an answer. One taken in charge out of three answered, not out of five sent.
    noon = datetime(2027, 1, 16, 12, tzinfo=PARIS)
    await store.ingest([e for _, e in envelopes() if e.time < noon])
    async with api_for(store, issuer, small_cell_threshold=1) as api:
        funnel = row(await table(api, "referral_funnel"))
    assert (funnel["submitted"], funnel["accepted"], funnel["decided"]) == (5, 1, 3)
    assert funnel["accepted_rate"] == pytest.approx(1 / 3)


async def test_a_person_whose_orientation_window_is_still_open_is_not_counted_as_missing_it(
    api: Any,
) -> None:
    # On 25 February: the 45 days are over for A and B (both taken in charge in time) and for C (10
    # January + 45 days = 24 February, never taken in charge); D, E and F still have time. The 30 days
    # are over for A, B, C, D and F (E's end on 4 March); A and B were seen in time.
    delays = row(await table(api, "orientation_delays", as_of="2027-02-25"))
    assert (delays["people"], delays["oriented_in_time"], delays["orientation_known"]) == (6, 2, 3)
    assert delays["oriented_rate"] == pytest.approx(2 / 3)
    assert (delays["accompanied_in_time"], delays["accompaniment_known"]) == (2, 5)
    assert delays["accompanied_rate"] == pytest.approx(2 / 5)


async def test_training_completion_and_abandonment(api: Any) -> None:
    # T1 completed and certified, T2 abandoned, T3 completed without certificate, T4 cancelled.
    assert row(await table(api, "training")) == {
        "confirmed": 4,
        "ended": 3,
        "completed": 2,
        "abandoned": 1,
        "certified": 1,
        "cancelled": 1,
        "completion_rate": pytest.approx(2 / 3),
        "abandonment_rate": pytest.approx(1 / 3),
    }


async def test_clause_hours_realised_required_and_fte(api: Any) -> None:
    # January 120 (the corrected declaration), February 140 + 80; April is outside the quarter.
    # Required: 3,650 h over 365 days, 90 of them in the quarter = 900 h.
    assert row(await table(api, "clause_hours")) == {
        "participants": 2,
        "hours_realised": 340,
        "fte": pytest.approx(340 / 1600),
        "hours_required": pytest.approx(900),
        "realisation_rate": pytest.approx(340 / 900),
    }
    by_contractor = await table(api, "clause_hours", group_by="organisation")
    assert row(by_contractor, organisation=str(ORGS["EMP"]))["hours_required"] == pytest.approx(900)
    by_month = await table(api, "clause_hours", group_by="month")
    assert row(by_month, month="2027-02")["hours_realised"] == 220
    assert row(by_month, month="2027-02")["hours_required"] is None  # contracts are not cut by month


async def test_exits_by_category_under_two_definitions_side_by_side(api: Any) -> None:
    # At exit: A positive_exit, B transition_employment, F civic_service, H volunteering, G other.
    exits = await table(api, "exits", as_of="2027-12-31")
    assert exits["definitions"] == ["dares-iae@1", "pacte-elargie@1"]
    at_exit = row(exits)
    assert at_exit["exits"] == 5
    dares = [
        at_exit[f"dares-iae@1:{c}"]
        for c in ("durable_employment", "transition_employment", "positive_exit", "other")
    ]
    wider = [
        at_exit[f"pacte-elargie@1:{c}"]
        for c in ("durable_employment", "transition_employment", "positive_exit", "other")
    ]
    assert dares == [0, 1, 1, 3]
    assert wider == [0, 1, 3, 1]  # civic service and volunteering count as positive for the pact
    assert at_exit["dares-iae@1:positive:share"] == pytest.approx(2 / 5)
    assert at_exit["pacte-elargie@1:positive:share"] == pytest.approx(4 / 5)
    # +3 months: A was hired on a CDI on 15 April (after a certified training on 1 March).
    plus_3 = row(await table(api, "exits", horizon=3, as_of="2027-12-31"))
    assert [
        plus_3[f"dares-iae@1:{c}"]
        for c in ("durable_employment", "transition_employment", "positive_exit", "other")
    ] == [1, 1, 0, 3]
    # +6 months on 20 August: H (10 Sep) and G (20 Sep) are not there yet.
    plus_6 = row(await table(api, "exits", horizon=6, as_of="2027-08-20", definitions=["dares-iae", "plie"]))
    assert plus_6["exits"] == 3
    assert [plus_6[f"plie@1:{c}"] for c in ("positive", "other")] == [1, 2]  # A's CDI
    by_referent = await table(api, "exits", group_by="organisation", as_of="2027-12-31")
    assert row(by_referent, organisation=str(ORGS["FT"]))["exits"] == 3  # F H G


async def test_an_erased_person_is_still_counted_but_no_longer_linked(store: Store, api: Any) -> None:
    # D was erased (last row of the table): D's referral, spell and training still count above.
    async with store.sessions() as session:
        keys = set((await session.execute(text("SELECT subject_key FROM people"))).scalars())
    assert subject_key(PACT_KEY, PEOPLE["D"]) not in keys
    assert subject_key(PACT_KEY, PEOPLE["A"]) in keys
    assert str(PEOPLE["A"]) not in json.dumps(sorted(k or "" for k in keys))


async def test_an_indicator_exports_as_csv_and_xlsx_with_the_same_figures(api: Any) -> None:
    import io

    from openpyxl import load_workbook

    params = {**Q1, "group_by": "organisation"}
    csv_answer = await api.get("/v1/indicators/training/export", format="csv", **params)
    assert csv_answer.status_code == 200, csv_answer.text
    lines = csv_answer.content.decode("utf-8-sig").splitlines()
    header = lines[1].split(";")
    assert header[:3] == ["Organisation", "Inscriptions confirmées", "Formations terminées ou abandonnées"]
    assert lines[-1].split(";")[:3] == ["Total", "4", "3"]
    xlsx_answer = await api.get("/v1/indicators/training/export", format="xlsx", **params)
    assert xlsx_answer.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx_answer.content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert rows[0][:2] == ["Organisation", "Inscriptions confirmées"]
    assert rows[-1][:3] == ["Total", 4, 3]


async def test_every_indicator_exports_as_csv_and_xlsx_with_the_columns_its_rows_publish(api: Any) -> None:
    """The exits' two definitions side by side too: their hidden refinement cells are no column."""
    import io

    from openpyxl import load_workbook

    from relais_evaluation.domain.indicators import INDICATORS

    for name in INDICATORS:
        params = {**Q1, "definitions": ["dares-iae", "pacte-elargie"]} if name == "exits" else Q1
        answer = await table(api, name, **params)
        published = [m["key"] for m in answer["measures"]]
        assert all(set(r["values"]) == set(published) for r in answer["rows"]), name
        csv_answer = await api.get(f"/v1/indicators/{name}/export", format="csv", **params)
        assert csv_answer.status_code == 200, (name, csv_answer.text)
        header = csv_answer.content.decode("utf-8-sig").splitlines()[1].split(";")
        assert header[len(answer["group_by"]) :] == [m["label"] for m in answer["measures"]], name
        xlsx_answer = await api.get(f"/v1/indicators/{name}/export", format="xlsx", **params)
        assert xlsx_answer.status_code == 200, (name, xlsx_answer.text)
        sheet = load_workbook(io.BytesIO(xlsx_answer.content)).active
        assert sheet is not None and sheet.max_row == len(answer["rows"]) + 2, name


async def test_a_csv_export_writes_decimals_with_a_comma_as_french_spreadsheets_read_them(api: Any) -> None:
    answer = await api.get("/v1/indicators/unaccompanied/export", format="csv", **Q1)
    header, total = answer.content.decode("utf-8-sig").splitlines()[1:]
    mean = header.split(";").index("Durée moyenne (jours calendaires)")
    assert total.split(";")[mean] == "13,5"  # C's 13 days and G's 14


async def test_a_suppressed_cell_is_exported_as_s(store: Store, issuer: DevIssuer) -> None:
    await store.ingest([e for _, e in envelopes()])
    async with api_for(store, issuer) as api:  # the default threshold: 11
        answer = await api.get("/v1/indicators/training/export", format="csv", **Q1)
    header, total = answer.content.decode("utf-8-sig").splitlines()[1:]
    assert header.split(";")[0] == "Inscriptions confirmées"
    assert total.split(";")[0] == "s"  # 4 enrolments
