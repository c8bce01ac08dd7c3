"""An email unsubscribe: the signed link names the contact, who then gets no more email."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.errors import NotFound
from followup.domain.unsubscribe import verify
from followup.services.contacts import update_contact

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.services.deps import Deps


def unsubscribe_email(deps: Deps, secret: str, token: str, at: datetime) -> bool:
    """Stop email to the contact the token names; False for a token we did not sign or a
    contact that is gone (nothing changes then)."""
    contact_id = verify(secret, token)
    if contact_id is None:
        return False

    def stop_email(contact: Contact) -> Contact:
        return contact.with_channel_stopped("email", at)

    try:
        update_contact(deps, contact_id, stop_email, at)
    except NotFound:
        return False
    return True


def valid(secret: str, token: str) -> bool:
    """The token is one this workspace signed."""
    return verify(secret, token) is not None
