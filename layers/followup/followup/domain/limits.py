"""Size limits on what users write, so every stored item stays far below DynamoDB's 400 KB.

A contact at every limit is under 60 KB; a rule, like any request body, stays under
the API's 256 KiB. README lists them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_ITEMS = 50
"""Tags, attributes, stages, template parameters or opt-out keywords in one list."""

LABEL_LENGTH = 64
"""Characters in a tag, a stage, an attribute's name or an opt-out keyword."""

Label = Annotated[str, Field(max_length=LABEL_LENGTH)]
"""A tag, a stage, or an attribute's name."""

Labels = Annotated[list[Label], Field(max_length=MAX_ITEMS)]

Attributes = Annotated[
    dict[Label, Annotated[str, Field(max_length=1000)]], Field(max_length=MAX_ITEMS)
]
"""Custom attributes: at most 50, names up to 64 characters, values up to 1,000."""
