"""A store whose eventually consistent reads lag behind its writes, as DynamoDB's may
within a second of them: a contact or enrollment read with `consistent=False` comes as it
was before the first write made through this store (None when that write created it), or
as a test set it in `copies`; a consistent read gets it as it is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from followup.domain.contact import Contact
from followup.domain.enrollment import Enrollment
from followup.services.ports import (
    Change,
    ContactChange,
    EnrollmentChange,
    NewEnrollment,
    Versioned,
)


class StaleReads:
    """The store (in memory or on DynamoDB) with stale eventually consistent reads; its
    writes go through `transactions` (the store itself, or what records its stream)."""

    def __init__(self, store: Any, transactions: Any) -> None:
        self._store, self._transactions = store, transactions
        self.copies: dict[str, Versioned[Any] | None] = {}
        """What an eventually consistent read of a contact or enrollment id answers."""
        self.served = 0
        """Stale copies handed out so far."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        before: dict[str, Versioned[Any] | None] = {}
        for change in changes:
            if isinstance(change, ContactChange):
                before[change.contact.id] = self._store.contact(change.contact.id)
            elif isinstance(change, EnrollmentChange | NewEnrollment):
                before[change.enrollment.id] = self._store.enrollment(change.enrollment.id)
        self._transactions.commit(changes, at)
        for item_id, copy in before.items():
            self.copies.setdefault(item_id, copy)

    def contact(self, contact_id: str, *, consistent: bool = True) -> Versioned[Contact] | None:
        if consistent or contact_id not in self.copies:
            return self._store.contact(contact_id)  # type: ignore[no-any-return]
        self.served += 1
        return self.copies[contact_id]

    def enrollment(
        self, enrollment_id: str, *, consistent: bool = True
    ) -> Versioned[Enrollment] | None:
        if consistent or enrollment_id not in self.copies:
            return self._store.enrollment(enrollment_id)  # type: ignore[no-any-return]
        self.served += 1
        return self.copies[enrollment_id]


def stale_reads(deps: Any) -> StaleReads:
    """Put stale eventually consistent reads in front of `deps`' contacts, follow-ups and
    transactions."""
    store = StaleReads(deps.followups, deps.transactions)
    deps.contacts = deps.followups = deps.transactions = store
    return store
