// The API's codes in the reader's words: WhatsApp's error codes, why a number is paused,
// bulk-cancel outcomes, audit actions and values, and templates' review statuses, each
// with a readable fallback for a code this app does not know yet.
import type { AuditEntry, CancelResult, Duration, FollowUp } from "./api";
import { type MessageId, en } from "./i18n/en";
import { known, useT } from "./i18n/locale";
import { duration } from "./pages/editor/words";
import { readableCode, useReasonWords } from "./waiting";

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

/** Why a number is paused, in the reader's words: its pause's code (`quality:FLAGGED`,
 * `whatsapp:131048`, `agent`, `api_key`) worded here, a quality level this app does not
 * name as WhatsApp gives it; else the server's sentence (a code this app does not know
 * yet, or a pause stored before its code was kept). */
export function useNumberPauseWords(): (n: { paused_code: string | null; paused_reason: string | null }) => string {
  const t = useT();
  return ({ paused_code, paused_reason }) => {
    const said = paused_reason ?? t("settings.numberPaused");
    const quality = /^quality:(.+)$/.exec(paused_code ?? "");
    if (quality) return t("numberPause.quality", { quality: known(`quality.${quality[1]}`, t, quality[1]) });
    return paused_code ? known(`numberPause.${paused_code.replace(":", ".")}`, t, said) : said;
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
  "email.paused",
  "email.resumed",
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

/** The label the settings page, or the contact page, gives each field a settings change or
 * a contact edit names by its path. */
const FIELD_LABELS: Record<string, MessageId> = {
  name: "contacts.name",
  stage: "contacts.stage",
  score: "contacts.score",
  tags: "contacts.tags",
  email: "editor.channel.email",
  timezone: "settings.zone",
  stages: "settings.stages",
  "send_window.holiday_countries": "settings.countries",
  "send_window.custom_holidays": "settings.holidays",
  "gating.skip_hot": "settings.skipHot",
  "gating.cold_max_followups": "settings.coldMax",
  "gating.frequency_cap.max_sends": "settings.capSends",
  "gating.min_gap": "settings.minGap",
  opt_out_keywords: "settings.optOut",
  max_attempts: "settings.maxAttempts",
  withheld_attempts: "settings.withheldAttempts",
  mass_send_limit: "settings.massSend",
  "review.min_response_rate": "settings.minResponse",
  "review.max_opt_out_rate": "settings.maxOptOut",
  "review.min_response_sample": "settings.minResponseSample",
  "review.min_opt_out_sample": "settings.minSample",
  "review.pause_on_opt_out_spike": "settings.pauseOnSpike",
  paused: "settings.pauseAll",
  paused_reason: "settings.pausedReason",
};

/** The label the settings or contact page gives the field at `path`, else the path as the
 * API names it (`query.limit`). */
export function fieldLabel(path: string, t: ReturnType<typeof useT>): string {
  return Object.hasOwn(FIELD_LABELS, path) ? t(FIELD_LABELS[path]) : path;
}

/** An audit entry's before or after in the reader's language where the log says it in fixed
 * words ("version 2", "inactive; 3 queued canceled") or names a setting the settings page
 * labels (`gating.min_gap: {"amount":30,"unit":"minutes"}`: its label and value in words);
 * any other summary of fields changed as the log has it. */
export function useAuditValueWords(): (value: string) => string {
  const t = useT();
  const part = (said: string): string => {
    const version = /^version (\d+)$/.exec(said);
    if (version) return t("audit.value.version", { n: Number(version[1]) });
    const canceled = /^(\d+) queued canceled$/.exec(said);
    if (canceled) return t("audit.value.canceled", { count: Number(canceled[1]) });
    const field = /^([a-z_.]+|attributes\.[^:]+): (.+)$/s.exec(said);
    const label = field && (FIELD_LABELS[field[1]] ? t(FIELD_LABELS[field[1]]) : attributeName(field[1]));
    const value = field && label && fieldValue(field[1], field[2], t);
    if (label && value !== null) return `${label}: ${value}`;
    return AUDIT_VALUES[said] ? t(AUDIT_VALUES[said]) : said;
  };
  return (value) => value.split("; ").map(part).join("; ");
}

/** A contact's attribute by its own name (`attributes.program`: "program"), else null. */
function attributeName(path: string): string | null {
  return path.startsWith("attributes.") ? path.slice("attributes.".length) : null;
}

/** A field's value, as the log gives it in JSON, in words: a duration, yes or no, a list, a
 * lead's score; null when it is not JSON (cut short in a long summary). */
function fieldValue(path: string, json: string, t: ReturnType<typeof useT>): string | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (path === "score" && typeof value === "string") return known(`contacts.score.${value}`, t, value);
  const words = (v: unknown): string => {
    if (v === null || (Array.isArray(v) && v.length === 0)) return t("audit.value.none");
    if (typeof v === "boolean") return t(v ? "audit.value.yes" : "audit.value.no");
    if (Array.isArray(v)) return v.map(words).join(", ");
    if (typeof v === "object" && "amount" in v && "unit" in v) return duration(v as Duration, t);
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  };
  return words(value);
}

const TEMPLATE_STATUSES = ["APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED"] as const;

/** The words of a template's review status in the catalogue. */
export function statusKey(status: string) {
  const known = TEMPLATE_STATUSES.find((s) => s === status.toUpperCase());
  return known ? (`editor.templateStatus.${known}` as const) : ("editor.templateStatus.other" as const);
}

const PASSED_OVER = new Set(["no_address", "opted_out", "bounced", "not_set_up"]);

/** Why a follow-up passed a channel over, as its `skipped_channels` records it
 * (`bounced:email`, `email_unavailable: ses: AccountSuspended`, `whatsapp: window_closed`),
 * in words: "Email skipped: the address bounced". A provider's own code is kept in brackets;
 * an entry this app does not know reads as its code in words. */
export function useSkipWords(): (entry: string) => string {
  const t = useT();
  const reasonWords = useReasonWords();
  const skipped = (channel: string, why: string) =>
    t("details.skip", { channel: known(`editor.channel.${channel}`, t, channel), why });
  return (entry) => {
    const coded = /^([a-z_]+):(whatsapp|sms|email)$/.exec(entry);
    if (coded && PASSED_OVER.has(coded[1])) return skipped(coded[2], t(`details.skip.${coded[1]}` as MessageId));
    const gaveUp = /^retries_exhausted: (whatsapp|sms|email): (.+)$/s.exec(entry);
    if (gaveUp) return skipped(gaveUp[1], t("details.skip.retries", { detail: gaveUp[2] }));
    const unavailable = /^(whatsapp|sms|email)_unavailable: (.+)$/s.exec(entry);
    if (unavailable) return skipped(unavailable[1], t("details.skip.unavailable", { detail: unavailable[2] }));
    const refused = /^(whatsapp|sms|email): (.+)$/s.exec(entry);
    if (!refused) return readableCode(entry);
    const [, channel, why] = refused;
    const retried = /^retries_exhausted: (.+)$/s.exec(why);
    if (retried) return skipped(channel, t("details.skip.retries", { detail: retried[1] }));
    if (/^(ses|sns): /.test(why)) return skipped(channel, t("details.skip.refused", { detail: why }));
    return skipped(channel, `reason.${why}` in en ? reasonWords(why) : readableCode(why));
  };
}
