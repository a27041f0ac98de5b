"""No endpoint of the evaluation API can return a jobseeker id, a name or any other identity field.

Walks the whole OpenAPI document: every response of every operation, every schema it reaches (through
``$ref``, ``items``, ``additionalProperties``, ``anyOf``…), every property name.
"""

from __future__ import annotations

from typing import Any

from relais_evaluation.app import create_app

IDENTITY_FIELDS = {
    *("jobseeker_id", "person_id", "subject_key", "duplicate_id", "name", "first_name", "last_name"),
    *("full_name", "birth_name", "birth_date", "date_of_birth", "email", "phone", "address", "postcode"),
    *("nir", "france_travail_id", "sub", "user", "username"),
}


def _properties(schema: Any, components: dict[str, Any], seen: set[str]) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                found |= _properties(components[name], components, seen)
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                found |= set(value)
            found |= _properties(value, components, seen)
    elif isinstance(schema, list):
        for item in schema:
            found |= _properties(item, components, seen)
    return found


def response_fields() -> dict[str, set[str]]:
    document = create_app().openapi()
    components = document.get("components", {}).get("schemas", {})
    fields: dict[str, set[str]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                fields[f"{method.upper()} {path} {status}"] = _properties(response, components, set())
    return fields


def test_no_response_of_the_openapi_carries_an_identity_field() -> None:
    fields = response_fields()
    assert len(fields) > 10  # the walk did reach the operations
    leaks = {where: found & IDENTITY_FIELDS for where, found in fields.items() if found & IDENTITY_FIELDS}
    assert leaks == {}


def test_the_walk_finds_a_field_hidden_behind_references() -> None:
    components = {"Outer": {"properties": {"rows": {"items": {"$ref": "#/components/schemas/Inner"}}}},
                  "Inner": {"properties": {"jobseeker_id": {"type": "string"}}}}  # fmt: skip
    assert "jobseeker_id" in _properties({"$ref": "#/components/schemas/Outer"}, components, set())
