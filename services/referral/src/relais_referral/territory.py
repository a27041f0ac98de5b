"""Where a place is: commune, intercommunality (EPCI) and département, from the official division data.

The data is the npm package ``@etalab/decoupage-administratif`` (INSEE's Code officiel géographique and
the DGCL's EPCI list), installed at setup (``make install``, or the image's build) and read from disk:
no network at run time. Only the three levels the directory's ranking needs are kept in memory.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from relais_shared.settings import project_root

PACKAGE_DATA = Path("deploy/tools/node_modules/@etalab/decoupage-administratif/data")


@dataclass(frozen=True)
class Commune:
    code: str  # INSEE code (code officiel géographique)
    name: str
    departement: str
    epci: str | None  # SIREN of its intercommunality; None for the few communes outside one


@dataclass(frozen=True)
class Place:
    """Every commune, EPCI and département a place may be in (a postcode can cover several communes)."""

    communes: frozenset[str] = frozenset()
    epcis: frozenset[str] = frozenset()
    departements: frozenset[str] = frozenset()

    @property
    def known(self) -> bool:
        return bool(self.communes)

    def codes(self) -> frozenset[str]:
        """The codes a service's eligibility zone may name to include this place."""
        return self.communes | self.epcis | self.departements


class Territory:
    def __init__(self, communes: dict[str, Commune], by_postcode: dict[str, tuple[str, ...]]) -> None:
        self._communes = communes
        self._by_postcode = by_postcode

    @classmethod
    def load(cls, data_dir: Path) -> Territory:
        if not (data_dir / "communes.json").is_file():
            raise FileNotFoundError(
                f"{data_dir}: the administrative division data is missing; run `make install` "
                "(npm ci in deploy/tools) or set RELAIS_REFERRAL_TERRITORY_DATA"
            )
        epci_of: dict[str, str] = {}
        for epci in json.loads((data_dir / "epci.json").read_text(encoding="utf-8")):
            for member in epci["membres"]:
                epci_of[member["code"]] = epci["code"]
        communes: dict[str, Commune] = {}
        by_postcode: dict[str, list[str]] = defaultdict(list)
        for row in json.loads((data_dir / "communes.json").read_text(encoding="utf-8")):
            # Current communes, and the municipal arrondissements of Paris, Lyon and Marseille (their own
            # postcodes) under their commune's EPCI; former and delegated communes are left out.
            if row.get("type") not in ("commune-actuelle", "arrondissement-municipal"):
                continue
            parent = row.get("commune", row["code"])
            communes[row["code"]] = Commune(
                code=row["code"],
                name=row["nom"],
                departement=row["departement"],
                epci=epci_of.get(parent),
            )
            for postcode in row.get("codesPostaux", ()):
                by_postcode[postcode].append(row["code"])
        return cls(communes, {k: tuple(v) for k, v in by_postcode.items()})

    def commune(self, code: str | None) -> Commune | None:
        return self._communes.get(code) if code else None

    def communes_in(self, departements: tuple[str, ...]) -> list[Commune]:
        return sorted(
            (c for c in self._communes.values() if c.departement in departements), key=lambda c: c.code
        )

    def communes_of_postcode(self, postcode: str) -> tuple[Commune, ...]:
        return tuple(self._communes[c] for c in self._by_postcode.get(postcode, ()))

    def place_of(self, communes: tuple[Commune, ...] | list[Commune]) -> Place:
        return Place(
            communes=frozenset(c.code for c in communes),
            epcis=frozenset(c.epci for c in communes if c.epci),
            departements=frozenset(c.departement for c in communes),
        )

    def place_of_postcode(self, postcode: str) -> Place:
        return self.place_of(self.communes_of_postcode(postcode))

    def place_of_commune(self, code: str | None) -> Place:
        commune = self.commune(code)
        return self.place_of([commune]) if commune else Place()


def data_dir(configured: str | None) -> Path:
    return Path(configured) if configured else project_root() / PACKAGE_DATA


@lru_cache(maxsize=4)
def load_territory(directory: Path) -> Territory:
    """Read once per process (about 0.3 s and 15 MB for the 35,000 communes)."""
    return Territory.load(directory)
