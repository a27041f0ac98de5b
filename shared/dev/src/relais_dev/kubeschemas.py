"""JSON schemas for validating ``deploy/kubernetes`` offline with kubeconform, and the validation itself.

kubeconform reads a schema per kind from a folder laid out by a path template. The Kubernetes schemas
come from the PyPI package ``kubernetes-validate``, whose files refer to one shared definitions file
by an absolute URL kubeconform cannot follow: each top-level kind is written here with the definitions
it uses inlined (``$defs``). Custom resources (Strimzi, KEDA) come from their CRDs' OpenAPI schemas,
made strict as Kubernetes' own are (an unknown field is an error, unless the CRD keeps unknown fields).
``deploy/kubernetes/tools/install.sh`` gathers the CRDs and calls ``main``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

KUBERNETES_VERSION = "1.34.0"  # what managed Kubernetes offers widely at the time of writing
DEFINITIONS_REF = "/api/_definitions.json#/$defs/"
LOCAL_REF = "#/$defs/"
OVERLAYS = ("base", "overlays/dev", "overlays/production")


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            for prefix in (DEFINITIONS_REF, LOCAL_REF):
                if ref.startswith(prefix):
                    found.add(ref[len(prefix) :])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _localised(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: LOCAL_REF + value[len(DEFINITIONS_REF) :]
            if key == "$ref" and isinstance(value, str) and value.startswith(DEFINITIONS_REF)
            else _localised(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_localised(value) for value in node]
    return node


def kubernetes_schemas(out: Path, version: str = KUBERNETES_VERSION) -> int:
    """Standalone strict schemas of every top-level kind, at ``<out>/v<version>-standalone-strict/``."""
    source = Path(str(files("kubernetes_validate") / "kubernetes-json-schema" / f"v{version}-local-strict"))
    definitions: dict[str, Any] = json.loads((source / "_definitions.json").read_text())["$defs"]
    target = out / f"v{version}-standalone-strict"
    target.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in sorted(source.glob("*.json")):
        if path.name.startswith("_") or path.name == "all.json":
            continue
        schema = json.loads(path.read_text())
        if "x-kubernetes-group-version-kind" not in schema:
            continue  # a part of a kind, never a document of its own
        needed: set[str] = set()
        _refs(schema, needed)
        pending = list(needed)
        while pending:
            more: set[str] = set()
            _refs(definitions[pending.pop()], more)
            for name in more - needed:
                needed.add(name)
                pending.append(name)
        schema = _localised(schema)
        schema.pop("$id", None)  # its URL would make kubeconform resolve the local references remotely
        schema["$defs"] = {name: _localised(definitions[name]) for name in sorted(needed)}
        (target / path.name).write_text(json.dumps(schema))
        written += 1
    return written


def _strict(node: Any) -> Any:
    """Objects with declared properties refuse others, unless the CRD says it keeps unknown fields."""
    if isinstance(node, dict):
        node = {key: _strict(value) for key, value in node.items()}
        if (
            node.get("type") == "object"
            and "properties" in node
            and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")
        ):
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [_strict(value) for value in node]
    return node


def crd_schemas(crds: Path, out: Path) -> list[Path]:
    """``<out>/<group>/<kind>_<version>.json`` for every version of every CRD under ``crds``."""
    written = []
    for path in sorted(crds.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"].lower()
            for version in crd["spec"]["versions"]:
                schema = _strict(version["schema"]["openAPIV3Schema"])
                target = out / group / f"{kind}_{version['name']}.json"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(schema))
                written.append(target)
    return written


def tools_dir(root: Path) -> Path:
    return root / "deploy" / "kubernetes" / "tools"


def build(root: Path, overlay: str) -> subprocess.CompletedProcess[str]:
    """``kustomize build`` of ``deploy/kubernetes/<overlay>`` (the documents on stdout)."""
    kustomize = tools_dir(root) / "bin" / "kustomize"
    return subprocess.run(  # noqa: S603 - our own tool on our own files
        [str(kustomize), "build", str(root / "deploy" / "kubernetes" / overlay)],
        capture_output=True,
        text=True,
        check=False,
    )


def kubeconform(root: Path, documents: str) -> subprocess.CompletedProcess[str]:
    """kubeconform on YAML documents, strict, offline; a kind without a schema is an error, not a skip."""
    tools = tools_dir(root)
    schemas = tools / "schemas"
    locations = [
        f"{schemas}/kubernetes/{{{{ .NormalizedKubernetesVersion }}}}-standalone{{{{ .StrictSuffix }}}}/"
        "{{ .ResourceKind }}{{ .KindSuffix }}.json",
        f"{schemas}/crds/{{{{ .Group }}}}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json",
    ]
    command = [str(tools / "bin" / "kubeconform"), "-strict", "-summary", "-output", "text"]
    command += ["-kubernetes-version", KUBERNETES_VERSION]
    for location in locations:
        command += ["-schema-location", location]
    return subprocess.run(command, input=documents, capture_output=True, text=True, check=False)  # noqa: S603


def validate(root: Path) -> list[tuple[str, int, str]]:
    """The base and each overlay built and checked: (which, exit code, what was said) for each."""
    results = []
    for overlay in OVERLAYS:
        built = build(root, overlay)
        if built.returncode != 0:
            results.append((overlay, built.returncode, built.stderr))
            continue
        checked = kubeconform(root, built.stdout)
        results.append((overlay, checked.returncode, checked.stdout + checked.stderr))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--crds", type=Path, required=True, help="folder of CRD YAML files")
    parser.add_argument("--out", type=Path, required=True, help="where the schemas go")
    args = parser.parse_args(argv)
    count = kubernetes_schemas(args.out / "kubernetes")
    crds = crd_schemas(args.crds, args.out / "crds")
    print(f"schemas: {count} Kubernetes kinds (v{KUBERNETES_VERSION}), {len(crds)} custom resource versions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
