"""Write the admin API's OpenAPI description to docs/openapi.json (`make openapi`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from followup.loading import loading

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def current() -> str:
    """The description generated from the handler's routes and models, pretty-printed."""
    with loading():
        from followup.api.resolver import openapi_document

    return json.dumps(json.loads(openapi_document()), indent=2, sort_keys=True) + "\n"


def main() -> None:
    DOCUMENT.write_text(current())
    sys.stdout.write(f"wrote {DOCUMENT.relative_to(Path.cwd())}\n")


if __name__ == "__main__":
    main()
