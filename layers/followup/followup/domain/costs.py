"""What a WhatsApp send costs: the `pricing` each status webhook carries."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Pricing(BaseModel):
    """WhatsApp's word on a message's price (a status webhook's `pricing`)."""

    billable: bool
    category: str = Field(
        max_length=40,
        description="marketing, utility, authentication, authentication-international, "
        "service or referral_conversion",
    )
    type: str = Field(
        default="regular",
        max_length=40,
        description="regular, free_customer_service or free_entry_point",
    )
