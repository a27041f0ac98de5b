"""Replay of recorded histories: a change to workflow code that would break running workflows fails here.

Histories were recorded from real runs of the current code (an expired referral sent on a Friday; a
referral with an appointment whose outcome was late, then accepted; a journey left without référent,
then accompanied, then out of the pact with its three follow-ups). A deliberate change of behaviour
must use ``workflow.patched()`` so that these histories still replay; record new ones next to them.
"""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from relais_referral.workflows.journey import JourneyWorkflow
from relais_referral.workflows.referral import ReferralWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_histories_replay_without_non_determinism(path: Path) -> None:
    history = WorkflowHistory.from_json(f"{path.stem.split('_')[0]}-{path.stem}", path.read_text())
    replayer = Replayer(workflows=[ReferralWorkflow, JourneyWorkflow], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None


def test_there_are_recorded_histories_of_both_workflows_to_replay() -> None:
    assert {path.stem.split("_")[0] for path in HISTORIES} == {"referral", "journey"}
