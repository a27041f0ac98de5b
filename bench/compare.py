"""``python -m bench.compare BEFORE.json AFTER.json``: the two runs' figures side by side, as Markdown."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return (f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}").replace(",", " ")


def _ratio(fig: dict[str, Any] | None) -> str:
    if not fig or fig.get("ratio_to_ceiling") is None:
        return ""
    return f"{fig['ratio_to_ceiling']:.0%}"


def compare(before: dict[str, Any], after: dict[str, Any]) -> str:
    lines = [
        "| figure | unit | before | ratio | after | ratio | target |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    keys = list(after["figures"]) + [k for k in before["figures"] if k not in after["figures"]]
    for key in keys:
        b = before["figures"].get(key)
        a = after["figures"].get(key)
        fig = a or b
        assert fig is not None
        met = {True: " (met)", False: " (**not met**)", None: ""}[(a or {}).get("target_met")]
        target = f"{fig['target']}{met}" if fig.get("target") else ""
        lines.append(
            f"| {fig['label']} | {fig['unit']} | {_fmt(b and b['median'])} | {_ratio(b)} | "
            f"{_fmt(a and a['median'])} | {_ratio(a)} | {target} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    before, after = (json.loads(Path(p).read_text()) for p in sys.argv[1:3])
    sys.stdout.write(compare(before, after))


if __name__ == "__main__":
    main()
