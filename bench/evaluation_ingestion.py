"""The evaluation service's ingestion on a topic and group of the bench's choosing (a backlog replay).

The process ``evaluation-consumer`` runs (``run_consumer``, the same subscription and settings); only
the topic and the consumer group differ.
"""

from __future__ import annotations

import argparse

from relais_evaluation.entrypoints.consumer import subscriber
from relais_evaluation.settings import EvaluationSettings
from relais_shared.runners import run_consumer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    args = parser.parse_args()
    settings = EvaluationSettings()
    run_consumer(settings, subscriber(settings, group_id=args.group, topics=(args.topic,)))


if __name__ == "__main__":
    main()
