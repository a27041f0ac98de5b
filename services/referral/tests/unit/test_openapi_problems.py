"""The referral API's OpenAPI document says every error each operation can answer (schemathesis checks
the live API against it): the common ones everywhere, 400 where a body is read, 409 where it writes,
each a problem+json; a 503 with its Retry-After."""

from __future__ import annotations

from typing import Any

import pytest

from relais_referral.api.app import create_app


@pytest.fixture(scope="module")
def operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = create_app().openapi()
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        if path.startswith("/v1/")
        for method, operation in item.items()
    ]


def test_every_operation_documents_refusals_validation_and_a_database_outage(
    operations: list[tuple[str, str, dict[str, Any]]],
) -> None:
    assert len(operations) > 20
    for method, path, operation in operations:
        responses = operation["responses"]
        assert {"401", "403", "404", "422", "503"} <= set(responses), (method, path)
        assert "Retry-After" in responses["503"]["headers"], (method, path)
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                assert list(response["content"]) == ["application/problem+json"], (method, path, status)


def test_operations_reading_a_body_document_400_and_writes_document_409(
    operations: list[tuple[str, str, dict[str, Any]]],
) -> None:
    for method, path, operation in operations:
        responses = operation["responses"]
        assert ("400" in responses) == ("requestBody" in operation), (method, path)
        assert ("409" in responses) == (method in {"POST", "PUT", "PATCH", "DELETE"}), (method, path)
