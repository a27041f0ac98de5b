"""Replay of recorded campaign histories: a change to ``CampaignWorkflow`` that would break the campaigns
already running fails here.

The ``_v1`` histories were recorded from the workflow before its deadlines could move (it slept to each
instant); the deadlines became movable behind ``workflow.patched()``, so these still replay. Record new
histories beside them with ``record_histories.py`` after a deliberate change.
"""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from relais_evaluation.adapters.workflows.campaign import CampaignWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_campaign_histories_replay_without_non_determinism(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=[CampaignWorkflow], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None


def test_there_are_histories_from_before_and_after_the_deadlines_could_move() -> None:
    assert {path.stem.rsplit("_", 1)[-1] for path in HISTORIES} == {"v1", "v2"}
