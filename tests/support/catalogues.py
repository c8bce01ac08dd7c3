"""The admin app's message catalogues, read from their sources."""

from __future__ import annotations

import json
import re
from pathlib import Path

CATALOGUES = Path(__file__).resolve().parents[2] / "web" / "src" / "i18n"
LOCALES = ("en", "id", "pt-BR")
_LINE = re.compile(r'^\s*"([^"]+)":\s*("(?:[^"\\]|\\.)*"),?$', re.MULTILINE)


def catalogue(locale: str) -> dict[str, str]:
    """A catalogue's messages by id, read from its source (one `"id": "message",` a line)."""
    text = (CATALOGUES / f"{locale}.ts").read_text()
    return {key: json.loads(said) for key, said in _LINE.findall(text)}
