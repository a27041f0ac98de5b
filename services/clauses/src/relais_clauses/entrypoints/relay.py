"""``clauses-relay``: publishes the clauses outbox to Kafka."""

from relais_clauses.adapters.db.models import infra
from relais_clauses.settings import ClausesSettings
from relais_shared.runners import run_relay


def main() -> None:
    run_relay(ClausesSettings(), infra.outbox)


if __name__ == "__main__":
    main()
