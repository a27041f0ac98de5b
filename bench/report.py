"""Writes the figures of one run as JSON (every repeat kept) and as a Markdown table (medians, ratios)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.core import Figure


def ratio(figure: Figure, figures: dict[str, Figure]) -> float | None:
    """The figure as a fraction of its ceiling (rates: value / ceiling)."""
    if figure.ceiling is None or figure.value is None:
        return None
    ceiling = figures.get(figure.ceiling)
    if ceiling is None or not ceiling.value:
        return None
    if figure.better == "higher":
        return figure.value / ceiling.value
    return ceiling.value / figure.value if figure.value else None


def to_json(figures: dict[str, Figure], meta: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"meta": meta, "figures": {}}
    for key, fig in figures.items():
        r = ratio(fig, figures)
        out["figures"][key] = {
            "label": fig.label,
            "unit": fig.unit,
            "median": fig.value,
            "samples": fig.samples,
            "better": fig.better,
            "ceiling": fig.ceiling,
            "ratio_to_ceiling": r,
            "target": fig.target.text if fig.target else None,
            "target_met": fig.target.met(fig.value, r) if fig.target else None,
            "notes": fig.notes,
            **({"extra": fig.extra} if fig.extra else {}),
        }
    return out


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit in ("MB", "ms", "s") or abs(value) < 100:
        text = f"{value:,.1f}" if abs(value) >= 1 or value == 0 else f"{value:.2f}"
    else:
        text = f"{value:,.0f}"
    return text.replace(",", " ")


def to_markdown(figures: dict[str, Figure], meta: dict[str, Any]) -> str:
    lines = [
        f"# Relais benchmark — {meta['started_at']}",
        "",
        f"Machine: {meta['cores']} cores, {meta['memory_gb']:.0f} GB; load average at start "
        f"{meta['loadavg_start']}{'; ' + meta['note'] if meta.get('note') else ''}; "
        f"PostgreSQL fsync {meta.get('pg_fsync', 'off')}",
        f"Commit `{meta['commit']}`{' (quick sizes)' if meta['quick'] else ''}; each figure is the median "
        f"of its repeats; total {meta['duration_s']:.0f} s.",
        "",
        "| figure | median | unit | repeats | ceiling | ratio | target | met |",
        "|---|---:|---|---:|---|---:|---|---|",
    ]
    for key, fig in figures.items():
        r = ratio(fig, figures)
        ceiling = figures.get(fig.ceiling) if fig.ceiling else None
        met = fig.target.met(fig.value, r) if fig.target else None
        lines.append(
            "| "
            + " | ".join(
                [
                    f"{fig.label} (`{key}`)",
                    _fmt(fig.value, fig.unit),
                    fig.unit,
                    str(len(fig.samples)),
                    f"{_fmt(ceiling.value, ceiling.unit)} {ceiling.unit}" if ceiling else "",
                    f"{r:.0%}" if r is not None else "",
                    fig.target.text if fig.target else "",
                    {True: "yes", False: "**no**", None: ""}[met],
                ]
            )
            + " |"
        )
    notes = [(k, f.notes) for k, f in figures.items() if f.notes]
    if notes:
        lines += ["", "Notes:", ""] + [f"- `{k}`: {n}" for k, n in notes]
    return "\n".join(lines) + "\n"


def write(figures: dict[str, Figure], meta: dict[str, Any], json_path: Path, md_path: Path) -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(to_json(figures, meta), indent=2, default=str) + "\n")
    md_path.write_text(to_markdown(figures, meta))
