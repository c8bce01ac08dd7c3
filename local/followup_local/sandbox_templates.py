"""The sandbox's template catalogue: served as 360dialog lists it, changed as Meta would
change it, each change answered with the webhook Meta would send about it."""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from followup.domain.rule import Rule, TemplateRef
from followup.domain.templates import placeholders_in
from followup_local import envelopes

_REFUSED = {"paused": 132015, "disabled": 132016}
"""WhatsApp's refusal of a send of a template in that status."""


class SandboxTemplates:
    """Templates by (name, language), in 360dialog's `waba_templates[]` shape."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._templates: dict[tuple[str, str], dict[str, Any]] = {}
        self._failures: list[tuple[int, int | None]] = []
        self.marketing_terms_accepted = True
        """False: `/marketing_messages` answers 131055, as before the business accepts."""

    def fail_next(self, *, status: int, code: int | None = None) -> None:
        """Answer the next listing with this error (sends are not affected)."""
        with self._lock:
            self._failures.append((status, code))

    def take_failure(self) -> tuple[int, int | None] | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def add(
        self,
        name: str,
        language: str,
        body: str,
        *,
        category: str = "MARKETING",
        status: str = "approved",
        quality: str = "UNKNOWN",
        disable_info: dict[str, Any] | None = None,
    ) -> None:
        """Put a template in the catalogue (replacing one of the same name and language),
        with the `disable_info` 360dialog lists a flagged one with."""
        entry = {
            "id": str(zlib.crc32(f"{name}/{language}".encode())),
            "name": name,
            "language": language,
            "category": category.upper(),
            "status": status.lower(),
            "quality_score": {"score": quality.upper()},
            "rejected_reason": "NONE",
            "components": [{"type": "BODY", "text": body}],
        }
        if disable_info is not None:
            entry["disable_info"] = disable_info
        with self._lock:
            self._templates[(name, language)] = entry

    def remove(self, name: str, language: str) -> None:
        """Take a template out of the catalogue, as deleting it in WhatsApp Manager does:
        sends naming it are refused from then on (132001)."""
        with self._lock:
            self._templates.pop((name, language), None)

    def approve_all(self, rules: Iterable[Rule]) -> None:
        """An approved template for each one the rules' steps name, with as many
        placeholders as the step has parameters (what `followup dev` starts with)."""
        for rule in rules:
            for step in rule.steps:
                ref = getattr(step, "template", None)
                if not isinstance(ref, TemplateRef):
                    continue
                words = ref.name.replace("_", " ").capitalize()
                slots = ", ".join(f"{{{{{n}}}}}" for n in range(1, len(ref.params) + 1))
                self.add(
                    ref.name,
                    ref.language,
                    f"{words}: {slots}" if slots else words,
                    category=ref.category,
                )

    def listing(self, limit: int, offset: int) -> dict[str, Any]:
        """One page of `GET /v1/configs/templates`."""
        with self._lock:
            entries = list(self._templates.values())
        page = entries[offset : offset + limit]
        return {
            "count": len(page),
            "filters": {},
            "limit": limit,
            "offset": offset,
            "sort": ["id"],
            "total": len(entries),
            "waba_templates": page,
        }

    def change(self, request: dict[str, Any]) -> dict[str, Any]:
        """Apply `{name, language, status | quality | category [, reason, disable_date,
        impending]}` and return the webhook delivery that announces it."""
        name, language = str(request["name"]), str(request["language"])
        now = self._clock()
        with self._lock:
            entry = self._templates[(name, language)]
            if "status" in request:
                # An event, as Meta names it: LOCKED and UNLOCKED change whether the
                # template may be edited, not its status; REINSTATED and UNARCHIVED make
                # it approved again.
                status = str(request["status"]).upper()
                if status not in ("LOCKED", "UNLOCKED"):
                    listed = "APPROVED" if status in ("REINSTATED", "UNARCHIVED") else status
                    entry["status"] = listed.lower()
                disable = request.get("disable_date")
                disable_date = datetime.fromisoformat(disable) if disable else None
                reason = str(request.get("reason") or "NONE")
                return envelopes.template_status(name, language, status, now, reason, disable_date)
            if "quality" in request:
                previous = entry["quality_score"]["score"]
                entry["quality_score"] = {"score": str(request["quality"]).upper()}
                return envelopes.template_quality(
                    name, language, previous, entry["quality_score"]["score"], now
                )
            previous = entry["category"]
            new = str(request["category"]).upper()
            impending = bool(request.get("impending"))
            if not impending:
                entry["category"] = new
            return envelopes.template_category(
                name, language, previous, new, now, impending=impending
            )

    def refuse_marketing(self, body: dict[str, Any] | None) -> tuple[int, str] | None:
        """Why `/marketing_messages` refuses this send (131055, or 100 for anything but a
        marketing template in the catalogue), or None."""
        if not self.marketing_terms_accepted:
            return 131055, "the business has not accepted the Marketing Messages API terms"
        template = (body or {}).get("template") or {}
        key = (str(template.get("name")), str((template.get("language") or {}).get("code")))
        with self._lock:
            entry = self._templates.get(key)
        if entry is None or entry["category"] != "MARKETING":
            return 100, "only marketing templates go through /marketing_messages"
        return None

    def refuse_template(self, body: dict[str, Any] | None) -> tuple[int, str] | None:
        """Why WhatsApp refuses this template send, or None: 132001 for a template not in
        the catalogue in that language and 132000 for a body whose parameter count is not
        its placeholders' (both checked once the catalogue lists any template: an empty
        one stands for a test that set none up); 132015 and 132016 for a paused or disabled
        one; 100 for a parameter holding a newline or a tab, or a template with named
        placeholders not given each its `parameter_name`."""
        template = (body or {}).get("template") or {}
        name = str(template.get("name"))
        language = str((template.get("language") or {}).get("code"))
        given = [
            parameter
            for component in template.get("components") or []
            if str(component.get("type", "")).lower() == "body"
            for parameter in component.get("parameters") or []
        ]
        with self._lock:
            listed = bool(self._templates)
            entry = self._templates.get((name, language))
        if listed and entry is None:
            return 132001, f"template name ({name}) does not exist in {language}"
        if entry is not None and entry["status"] in _REFUSED:
            return _REFUSED[entry["status"]], f"template ({name}) is {entry['status']}"
        text = "".join(
            str(c.get("text") or "")
            for c in (entry or {}).get("components", [])
            if str(c.get("type", "")).upper() == "BODY"
        )
        expected = placeholders_in(text)
        if entry is not None and len(given) != expected:
            return 132000, (
                f"body: number of localizable_params ({len(given)}) does not match the "
                f"expected number of params ({expected})"
            )
        if any("\n" in str(p.get("text", "")) or "\t" in str(p.get("text", "")) for p in given):
            return 100, "a parameter may hold no newline or tab"
        names = set(re.findall(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}", text))
        named = bool(names) and not all(n.isdecimal() for n in names)
        if named and {str(p.get("parameter_name")) for p in given} != names:
            return 100, f"named parameters each take their parameter_name: {sorted(names)}"
        return None

    def clear(self) -> None:
        with self._lock:
            self._templates.clear()
            self._failures.clear()
        self.marketing_terms_accepted = True
