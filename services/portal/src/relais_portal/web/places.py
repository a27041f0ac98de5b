"""What a person types for a place, read as the directory's codes: a commune by its name, its postcode or
its INSEE code, a département by its name or its code.

From the official division data (npm ``@etalab/decoupage-administratif``, installed with the portal's
other assets, read from disk): people type « Nantes » or « 44000 », not « 44109 ».
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from relais_portal.settings import PortalSettings


def folded(text: str) -> str:
    """Case, accents, hyphens and apostrophes aside: « saint herblain » is « Saint-Herblain »."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(plain.replace("-", " ").replace("'", " ").split())


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    departement: str
    postcodes: tuple[str, ...]


@dataclass
class Places:
    communes: dict[str, Commune] = field(default_factory=dict)
    by_name: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_postcode: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    departements: dict[str, str] = field(default_factory=dict)  # code → name

    def communes_for(self, typed: str) -> list[Commune]:
        """Every commune the text may mean (several for a postcode or a name shared between départements),
        none when it means nothing known."""
        text = typed.strip()
        if text in self.communes:
            return [self.communes[text]]
        codes = self.by_postcode.get(text) or self.by_name.get(folded(text)) or []
        return sorted((self.communes[c] for c in codes), key=lambda c: (c.departement, c.name))

    def departement_for(self, typed: str) -> str | None:
        """A département's code from its code or its name (« Loire-Atlantique », « loire atlantique »)."""
        text = typed.strip().upper() if typed.strip()[:1].isdigit() else typed.strip()
        if text in self.departements:
            return text
        wanted = folded(typed)
        return next((code for code, name in self.departements.items() if folded(name) == wanted), None)


@cache
def places() -> Places:
    data = f"{PortalSettings().assets_dir}/@etalab/decoupage-administratif/data"
    found = Places()
    try:
        with open(f"{data}/communes.json", encoding="utf-8") as handle:
            rows = json.load(handle)
        with open(f"{data}/departements.json", encoding="utf-8") as handle:
            found.departements = {d["code"]: d["nom"] for d in json.load(handle)}
    except (OSError, ValueError, KeyError):
        return found  # without the data, codes typed as such still work
    for row in rows:
        if row.get("type") != "commune-actuelle":
            continue
        commune = Commune(row["code"], row["nom"], row["departement"], tuple(row.get("codesPostaux", ())))
        found.communes[commune.code] = commune
        found.by_name[folded(commune.name)].append(commune.code)
        for postcode in commune.postcodes:
            found.by_postcode[postcode].append(commune.code)
    return found
