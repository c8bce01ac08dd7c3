// Why a follow-up waits or ended, what a reply was read as and what it did, in words: the
// send window's opening is read in the lead's time.
import type { FollowUp } from "./api";
import { useFormat } from "./format";
import { type MessageId, en } from "./i18n/en";
import { known, useT } from "./i18n/locale";

/** The reason a follow-up ended or waits, as the reader's language says it: by the API's
 * `reason_code` when it gave one, else read from the reason itself. */
export function useReasonWords(): (reason: string | null, code?: string | null) => string {
  const t = useT();
  return (reason, code) => {
    if (!reason) return "";
    const field = /^(attribute_missing|attribute_invalid|attribute_passed):\s*(\S.*)$/.exec(reason);
    if (field) return t(`reason.${field[1] as "attribute_missing"}.field`, { field: readableCode(field[2].replace(/^attributes\./, "")) });
    const tail = reason.includes(": ") ? reason.slice(reason.indexOf(": ") + 2) : reason;
    const coded = code ?? readCode(reason);
    if (coded === "held") return t("reason.held", { why: tail });
    if (coded === "waiting_template" || coded === "template_unusable") return t(`reason.${coded}`, { why: tail });
    return plainWords(`reason.${coded}`, t) ?? t("reason.other", { code: readableCode(coded) });
  };
}

/** What a reply was read as (`busy`, `call_back_at`), in the reader's language. */
export function intentWords(intent: string, t: ReturnType<typeof useT>): string {
  return known(`intent.${intent}`, t, readableCode(intent));
}

export function useIntentWords(): (intent: string) => string {
  const t = useT();
  return (intent) => intentWords(intent, t);
}

/** What a reply made the engine do, as the API recorded it: its sentence, its code and the
 * code's facts. */
export interface ReplyEffect {
  effect: string;
  effect_code?: string | null;
  /** `follow_up_scheduled`: each follow-up the reply began, when it goes on the lead's clock. */
  scheduled?: { rule_id: string; local: string; zone: string }[];
  /** `ended_done_already_at_stage`: the stage the lead is at. */
  at_stage?: string | null;
  suggested_stage: string | null;
}

/** What a reply made the engine do, in the reader's words, by its `effect_code` and facts
 * (the rules scheduled named by `ruleName`); the API's own sentence for a code this does not
 * know. */
export function useEffectWords(): (read: ReplyEffect, ruleName: (id: string) => string) => string {
  const t = useT();
  const format = useFormat();
  return ({ effect, effect_code: code, scheduled, at_stage: atStage, suggested_stage: suggested }, ruleName) => {
    if (code === "follow_up_scheduled" && scheduled?.length) {
      return scheduled
        .map((s) => t("effect.scheduled", { rule: ruleName(s.rule_id), when: format.wallTime(s.local), zone: s.zone }))
        .join("; ");
    }
    if (code === "ended_done_suggested_stage" && suggested) return t("effect.ended_done_suggested_stage", { stage: suggested });
    if (code === "ended_done_already_at_stage" && atStage) return t("effect.ended_done_already_at_stage", { stage: atStage });
    return plainWords(`effect.${code}`, t) ?? effect;
  };
}

/** An unknown code as words: "quiet_hours" reads "quiet hours"; a sentence stays as it is. */
export function readableCode(code: string): string {
  return /^[a-z0-9_.]+$/.test(code) ? code.replace(/[_.]+/g, " ").trim() : code;
}

const PREFIXED = ["held", "waiting_template", "template_unusable"];

/** A reason's code as the API derives it, for a follow-up the feed brought without one:
 * "no channel: bounced:email; ..." is `no_channel` (each channel passed over is told by
 * `skipped_channels`), "held: ..." its leading code, else the reason itself. */
function readCode(reason: string): string {
  if (reason.startsWith("no channel: ")) return "no_channel";
  return PREFIXED.some((p) => reason.startsWith(`${p}: `)) ? reason.split(":")[0] : reason;
}

/** The catalogue's words for `key` when it has some that take no values, else null: the
 * codes the server sends that have words of their own. */
function plainWords(key: string, t: ReturnType<typeof useT>): string | null {
  return key in en && !en[key as MessageId].includes("{") ? t(key as MessageId) : null;
}

/** Why a follow-up was queued later than its step was due (a gap after the last message the
 * lead was sent; a call back the lead asked for goes first), said beside its send time. */
export const PUT_OFF = ["spaced", "call_back_pending"] as const;

function putOff(f: FollowUp): (typeof PUT_OFF)[number] | undefined {
  return PUT_OFF.find((code) => f.reason === code || f.history[0]?.reason === code);
}

/** Why a queued follow-up waits: for its send window, kept a gap after the last message the
 * lead was sent, or after a call back still to come; "" when nothing holds it so. */
export function useWaitWords(): (f: FollowUp) => string {
  const t = useT();
  const format = useFormat();
  return (f) => {
    if (f.status !== "queued") return "";
    if (f.waiting_for_window && f.opens_at && f.zone) {
      return t("queue.waitsForWindow", { when: format.when(f.opens_at, f.zone), zone: f.zone });
    }
    // Queued later than due (by the planner, or by the sender for what came since): a gap
    // after the last message the lead was sent, or a call back the lead asked for first
    const code = putOff(f);
    return code ? t(`reason.${code}`) : "";
  };
}

/** The queue's banner: how many wait for the send window and when it first opens, or "". */
export function useWindowBanner(): (rows: FollowUp[]) => string {
  const t = useT();
  const format = useFormat();
  return (rows) => {
    const waiting = rows.filter((f) => f.status === "queued" && f.waiting_for_window && f.opens_at && f.zone);
    if (waiting.length === 0) return "";
    const first = new Map<string, string>();
    for (const f of waiting) {
      const zone = f.zone as string;
      const seen = first.get(zone);
      if (!seen || (f.opens_at as string) < seen) first.set(zone, f.opens_at as string);
    }
    const zones = [...first.entries()].sort((a, b) => a[1].localeCompare(b[1]));
    if (zones.length === 1) {
      const [zone, at] = zones[0];
      return t("queue.bannerOne", { count: waiting.length, when: format.when(at, zone), zone });
    }
    const list = zones.map(([zone, at]) => t("queue.bannerItem", { when: format.when(at, zone), zone })).join(", ");
    return t("queue.bannerMany", { count: waiting.length, list });
  };
}
