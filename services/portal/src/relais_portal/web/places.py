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
        # Five digits may be an INSEE code and another commune's postcode at once (« 44100 » is Nantes's
        # postcode and Monnières's code): every commune it may mean, for the person to choose.
        codes = {*self.by_postcode.get(text, ()), *self.by_name.get(folded(text), ())}
        if text in self.communes:
            codes.add(text)
        if not self.communes and len(text) == 5 and text[:2].isalnum() and text[2:].isdigit():
            return [Commune(text, text, text[:2], ())]  # without the data, a code is taken as typed
        return sorted((self.communes[c] for c in codes), key=lambda c: (c.departement, c.name))

    def departement_for(self, typed: str) -> str | None:
        """A département's code from its code or its name (« Loire-Atlantique », « loire atlantique »)."""
        text = typed.strip().upper() if typed.strip()[:1].isdigit() else typed.strip()
        if text in self.departements or (
            not self.departements and 2 <= len(text) <= 3 and text[:1].isdigit()
        ):
            return text  # known, or a code taken as typed when the data is missing
        wanted = folded(typed)
        return next((code for code, name in self.departements.items() if folded(name) == wanted), None)


_loaded: Places | None = None


def places() -> Places:
    """The data, read once (a failure is not kept: the next call tries again)."""
    global _loaded
    if _loaded is None:
        found = _read()
        if found.communes:
            _loaded = found
        return found
    return _loaded


def _read() -> Places:
    data = f"{PortalSettings().assets_dir}/@etalab/decoupage-administratif/data"
    found = Places()
    try:
        with open(f"{data}/communes.json", encoding="utf-8") as handle:
            rows = json.load(handle)
        with open(f"{data}/departements.json", encoding="utf-8") as handle:
            found.departements = {d["code"]: d["nom"] for d in json.load(handle)}
    except (OSError, ValueError, KeyError):
        return Places()  # without the data, codes typed as such still work
    for row in rows:
        if row.get("type") != "commune-actuelle":
            continue
        commune = Commune(row["code"], row["nom"], row["departement"], tuple(row.get("codesPostaux", ())))
        found.communes[commune.code] = commune
        found.by_name[folded(commune.name)].append(commune.code)
        for postcode in commune.postcodes:
            found.by_postcode[postcode].append(commune.code)
    return found
