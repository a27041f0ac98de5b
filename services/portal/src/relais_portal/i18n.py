"""French first, English available: the portal's words in the language the user chose.

Templates and code are written in French (the msgid is the French text) and wrap every user-visible
string in ``_()``; ``locales/<lang>/LC_MESSAGES/messages.po`` holds the other languages, read with
Babel at start (no compile step). A missing translation falls back to French, and a test fails on it.
The language is chosen per request (the ``relais_lang`` cookie, else the browser's Accept-Language,
else French) and held in a context variable, so the same templates serve both languages.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LANGUAGES = {"fr": "Français", "en": "English"}
DEFAULT = "fr"
COOKIE = "relais_lang"
LOCALES = Path(__file__).resolve().parent / "locales"

_current: ContextVar[str] = ContextVar("relais_portal_language", default=DEFAULT)


@cache
def catalog(language: str) -> Catalog | None:
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT or not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def current() -> str:
    return _current.get()


def use(language: str) -> object:
    """Sets the language of the current request (or task); returns the token to reset it."""
    return _current.set(language if language in LANGUAGES else DEFAULT)


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The user's choice if they made one, else the first language of their browser we speak."""
    if cookie in LANGUAGES:
        return cookie
    if accept_language:
        weighted = []
        for part in accept_language.split(","):
            tag, _, quality = part.strip().partition(";q=")
            try:
                weight = float(quality) if quality else 1.0
            except ValueError:
                continue
            weighted.append((weight, tag.split("-")[0].strip().lower()))
        for _weight, language in sorted(weighted, key=lambda pair: -pair[0]):
            if language in LANGUAGES:
                return language
    return DEFAULT


def gettext(message: str) -> str:
    found = catalog(current())
    if found is None:
        return message
    entry = found.get(message)
    if entry is None or not entry.string or entry.fuzzy:
        return message
    return str(entry.string)


def ngettext(singular: str, plural: str, count: int) -> str:
    """French and English both have two forms: "one" (French counts 0 as one) and "other"."""
    language = current()
    found = catalog(language)
    entry = None if found is None else found.get(singular)
    if entry is not None and isinstance(entry.string, tuple) and all(entry.string) and not entry.fuzzy:
        singular, plural = str(entry.string[0]), str(entry.string[1])
    else:
        language = DEFAULT
    return singular if Locale.parse(language).plural_form(count) == "one" else plural


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


class Translated(Mapping[str, str]):
    """Code → French label, read in the language of the request (the labels of API codes)."""

    def __init__(self, labels: Mapping[str, str]) -> None:
        self._labels = dict(labels)

    def __getitem__(self, key: str) -> str:
        return gettext(self._labels[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)

    def __or__(self, other: Any) -> Translated:
        return Translated({**self._labels, **dict(other._labels if isinstance(other, Translated) else other)})
