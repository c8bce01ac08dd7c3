// A journey's parts in a sentence each (trigger, who, a step, a condition, a duration): what
// the canvas draws, the history's diff names and a recipe shows before it is installed.
import type { Duration, Rule } from "../../api";
import { type MessageId, en } from "../../i18n/en";
import { known, useT } from "../../i18n/locale";
import { intentWords } from "../../waiting";
import { type Condition, type Step, kindOf, testOf } from "./model";

type T = ReturnType<typeof useT>;

export interface Conditions {
  scores?: string[];
  tags?: string[];
  attributes?: Record<string, string>;
  match?: unknown[];
  [more: string]: unknown;
}

export interface Goal {
  stages: string[];
  events?: string[];
}

export const isDuration = (value: unknown): value is Duration =>
  typeof value === "object" && value !== null && "amount" in value && "unit" in value && Object.keys(value).length === 2;

export function duration(value: Duration, t: T): string {
  const key = `canvas.unit.${value.unit}`;
  return key in en ? t(key as MessageId, { amount: value.amount }) : `${value.amount} ${value.unit}`;
}

const list = (items: string[] | undefined) => (items ?? []).join(", ");

/** "7 days before the date in renewal_date, at 09:00": when a date trigger fires. */
function dateWords(trigger: Extract<Rule["trigger"], { kind: "date" }>, t: T): string {
  const field = trigger.attribute || "…";
  const day = !trigger.offset.amount
    ? t("canvas.trigger.dateOn", { field })
    : t(trigger.before ? "canvas.trigger.dateBefore" : "canvas.trigger.dateAfter", {
        offset: duration(trigger.offset, t),
        field,
      });
  return trigger.at ? t("canvas.trigger.dateAt", { day, at: trigger.at }) : day;
}

export function triggerWords(trigger: Rule["trigger"], t: T): string {
  switch (trigger.kind) {
    case "idle":
      return trigger.stages.length
        ? t("canvas.trigger.idleIn", { idle: duration(trigger.idle, t), stages: list(trigger.stages) })
        : t("canvas.trigger.idle", { idle: duration(trigger.idle, t) });
    case "intent":
      return t("canvas.trigger.intent", { intents: trigger.intents.map((i) => intentWords(i, t)).join(", ") });
    case "stage_entered":
      return t("canvas.trigger.stageEntered", { stages: list(trigger.stages) });
    case "event":
      return t("canvas.trigger.event", { name: trigger.name });
    case "date":
      return dateWords(trigger, t);
    default:
      return t("canvas.trigger.other", { kind: (trigger as { kind: string }).kind });
  }
}

export function whoWords(conditions: Conditions | undefined, t: T): string {
  const parts: string[] = [];
  if (conditions?.scores?.length) parts.push(t("canvas.who.scores", { scores: conditions.scores.map((s) => known(`editor.score.${s}`, t, s)).join(", ") }));
  if (conditions?.tags?.length) parts.push(t("canvas.who.tags", { tags: list(conditions.tags) }));
  const more = Object.keys(conditions?.attributes ?? {}).length + (conditions?.match?.length ?? 0);
  if (more) parts.push(t("canvas.who.more", { count: more }));
  return parts.length ? parts.join(" · ") : t("canvas.who.everyone");
}

export function conditionWords(condition: Condition | null | undefined, t: T): string {
  if (!condition) return t("canvas.branch.always");
  const test = testOf(condition);
  switch (test) {
    case "replied":
      return t(condition.replied === false ? "canvas.if.notReplied" : "canvas.if.replied");
    case "stage":
      return t("canvas.if.stage", { stages: list(condition.stage ?? []) });
    case "score":
      return t("canvas.if.score", { scores: (condition.score ?? []).map((s) => known(`editor.score.${s}`, t, s)).join(", ") });
    case "tag":
      return t("canvas.if.tag", { tag: condition.tag ?? "" });
    default:
      return t("canvas.if.attribute", {
        field: condition.attribute ?? "",
        op: known(`editor.op.${condition.op ?? "eq"}`, t, condition.op ?? ""),
        value: condition.value ?? "",
      });
  }
}

/** Where a branch target leads: a step (shown from 1) or the end. */
export function targetWords(target: number, total: number, t: T): string {
  return target >= total ? t("editor.branch.end") : t("editor.branch.toStep", { n: target + 1 });
}

export function waitWords(step: Step, t: T): string {
  if (step.until_time != null) return t("canvas.wait.untilTime", { time: step.until_time });
  if (step.until_attribute != null) return t("canvas.wait.untilDate", { field: step.until_attribute });
  return t("canvas.wait.for", { time: duration(step.for ?? { amount: 1, unit: "days" }, t) });
}

export const channelsOf = (step: Step): string[] => [step.channel ?? "whatsapp", ...((step.fallbacks as string[] | undefined) ?? [])];

export function messageWords(step: Step, t: T): string {
  if (step.ai?.instructions?.trim()) return t("canvas.send.ai", { instructions: step.ai.instructions });
  if (step.template?.name) return t("canvas.send.template", { name: step.template.name });
  if (step.text?.trim()) return t("canvas.send.text", { text: step.text });
  if (step.email?.subject) return t("canvas.send.text", { text: step.email.subject });
  return t("canvas.send.empty");
}

export function actionWords(step: Step, t: T): string {
  const name = String(step.do ?? "add_tag");
  const what = known(`editor.action.${name}`, t, name);
  const detail = step.tag ?? step.stage ?? step.title ?? step.attribute ?? step.webhook ?? step.detail_type;
  return detail ? `${what}: ${String(detail)}` : what;
}

/** A step in one line: its kind and what it does. */
export function stepWords(step: Step, total: number, t: T): string {
  switch (kindOf(step)) {
    case "wait":
      return waitWords(step, t);
    case "branch":
      return t("canvas.branch.summary", {
        condition: conditionWords(step.if, t),
        then: targetWords(step.then ?? total, total, t),
      });
    case "action":
      return actionWords(step, t);
    default:
      return t("canvas.send.summary", {
        channels: channelsOf(step).map((c) => known(`editor.channel.${c}`, t, c)).join(" → "),
        message: messageWords(step, t),
      });
  }
}

export function exitWords(exit: Rule["exit"], t: T): string {
  const parts: string[] = [];
  if (exit?.on_reply ?? true) parts.push(t("canvas.exit.reply"));
  if (exit?.stages?.length) parts.push(t("canvas.exit.stages", { stages: list(exit.stages) }));
  if (exit?.events?.length) parts.push(t("canvas.exit.events", { events: list(exit.events) }));
  return parts.length ? parts.join(" · ") : t("canvas.exit.none");
}

export function goalWords(goal: Goal | undefined, t: T): string {
  const parts: string[] = [];
  if (goal?.stages.length) parts.push(t("canvas.goal.stages", { stages: list(goal.stages) }));
  if (goal?.events?.length) parts.push(t("canvas.goal.events", { events: list(goal.events) }));
  return parts.length ? parts.join(" · ") : t("canvas.goal.none");
}
