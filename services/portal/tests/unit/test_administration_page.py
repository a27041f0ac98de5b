"""The administration page's deadlines: what applies today first, the history apart."""

from relais_portal.web.administration import policy_versions


def policy(kind: str, version: int) -> dict[str, object]:
    return {"org_kind": kind, "version": version, "acknowledgement_days": 5}


def test_the_deadlines_in_force_are_the_latest_version_of_each_kind_the_default_first() -> None:
    versions = policy_versions(
        [policy("cap_emploi", 1), policy("*", 1), policy("cap_emploi", 3), policy("plie", 1), policy("*", 2)]
    )
    in_force = [(p["org_kind"], p["version"]) for p in versions["policies"]]
    earlier = [(p["org_kind"], p["version"]) for p in versions["earlier_policies"]]
    assert in_force == [("*", 2), ("cap_emploi", 3), ("plie", 1)]
    assert earlier == [("*", 1), ("cap_emploi", 1)]
