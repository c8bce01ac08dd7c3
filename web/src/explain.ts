// The API's codes in the reader's words: WhatsApp's error codes, bulk-cancel outcomes, audit
// actions and values, and templates' review statuses, each with a readable fallback for a
// code this app does not know yet.
import type { AuditEntry, CancelResult, FollowUp } from "./api";
import type { MessageId } from "./i18n/en";
import { useT } from "./i18n/locale";
import { readableCode } from "./waiting";

const PROVIDER_ERRORS = new Set([
  131047, 470, 131026, 131049, 131050, 131056, 130429, 131048, 368, 131031, 131042, 130472,
]);

/** What went wrong with a send, in plain words, or "" when nothing did. */
export function useErrorWords(): (f: FollowUp) => string {
  const t = useT();
  return (f) => {
    if (f.error_code == null) return "";
    if (PROVIDER_ERRORS.has(f.error_code)) return t(`providerError.${f.error_code}` as MessageId);
    return t("providerError.other", { code: f.error_code, title: f.error_title ?? "" });
  };
}

const CANCEL_RESULTS = new Set(["cancelled", "already_sent", "already_ended", "not_found"]);

/** One id's bulk-cancel outcome in words. */
export function useCancelWords(): (result: CancelResult["result"]) => string {
  const t = useT();
  return (result) =>
    CANCEL_RESULTS.has(result)
      ? t(`cancel.result.${result}` as MessageId)
      : t("cancel.result.other", { code: readableCode(result) });
}

const AUDIT_ACTIONS = new Set([
  "rule.created",
  "rule.updated",
  "rule.activated",
  "rule.deactivated",
  "rule.deleted",
  "settings.updated",
  "number.resumed",
  "contact.updated",
  "contact.do_not_contact",
  "contact.contact_allowed",
]);

/** What an audit entry did, e.g. "Rule updated", in the reader's language. */
export function useAuditWords(): (entry: AuditEntry) => string {
  const t = useT();
  return (entry) =>
    AUDIT_ACTIONS.has(entry.action)
      ? t(`audit.action.${entry.action}` as MessageId)
      : t("audit.action.other", { code: readableCode(entry.action) });
}

const AUDIT_VALUES: Record<string, MessageId> = {
  active: "audit.value.active",
  inactive: "audit.value.inactive",
  paused: "audit.value.paused",
  resumed: "audit.value.resumed",
  allowed: "audit.value.allowed",
  "do not contact": "audit.value.doNotContact",
};

/** An audit entry's before or after in the reader's language where the log says it in fixed
 * words ("version 2", "inactive; 3 queued canceled"); a summary of fields changed as the log
 * has it. */
export function useAuditValueWords(): (value: string) => string {
  const t = useT();
  const part = (said: string): string => {
    const version = /^version (\d+)$/.exec(said);
    if (version) return t("audit.value.version", { n: Number(version[1]) });
    const canceled = /^(\d+) queued canceled$/.exec(said);
    if (canceled) return t("audit.value.canceled", { count: Number(canceled[1]) });
    return AUDIT_VALUES[said] ? t(AUDIT_VALUES[said]) : said;
  };
  return (value) => value.split("; ").map(part).join("; ");
}

const TEMPLATE_STATUSES = ["APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED"] as const;

/** The words of a template's review status in the catalogue. */
export function statusKey(status: string) {
  const known = TEMPLATE_STATUSES.find((s) => s === status.toUpperCase());
  return known ? (`editor.templateStatus.${known}` as const) : ("editor.templateStatus.other" as const);
}
