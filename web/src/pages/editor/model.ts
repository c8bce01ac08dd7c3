// The journey as the editor holds it: the rule's JSON, with helpers that keep branch targets
// pointing at the same steps when steps move.
import type { Duration, Rule, StepAi } from "../../api";

export const UNITS = ["minutes", "hours", "days", "weeks", "months"] as const;
export const KINDS = ["send", "wait", "branch", "action"] as const;
export const ACTIONS = [
  "add_tag",
  "remove_tag",
  "set_stage",
  "set_attribute",
  "close_conversation",
  "create_task",
  "notify",
] as const;
export const CHANNELS = ["whatsapp", "sms", "email"] as const;
export const TESTS = ["replied", "stage", "score", "tag", "attribute"] as const;
export const SCORES = ["hot", "warm", "cold"] as const;
export const OPS = ["eq", "ne", "lt", "lte", "gt", "gte", "exists"] as const;

export type Kind = (typeof KINDS)[number];
export type ActionName = (typeof ACTIONS)[number];
export type Test = (typeof TESTS)[number];

export interface TemplateParam {
  field?: string | null;
  text?: string | null;
  default?: string;
  ai?: boolean;
}

export interface Condition {
  replied?: boolean | null;
  stage?: string[] | null;
  score?: string[] | null;
  tag?: string | null;
  attribute?: string | null;
  op?: string;
  value?: string | null;
  type?: string;
  [more: string]: unknown;
}

/** One step as JSON: `kind` says which fields it has (none means a send step). */
export interface Step {
  kind?: string;
  wait?: Duration;
  channel?: string;
  text?: string | null;
  template?: { name: string; language: string; category?: string; params?: TemplateParam[] } | null;
  email?: { subject: string; body: string } | null;
  ai?: StepAi | null;
  for?: Duration | null;
  until_time?: string | null;
  until_attribute?: string | null;
  if?: Condition | null;
  then?: number;
  else?: number | null;
  do?: string;
  [field: string]: unknown;
}

export const kindOf = (step: Step): Kind => (step.kind ?? "send") as Kind;

/** A new step of `kind`; a branch jumps to the end of a journey of `total` steps. */
export function newStep(kind: Kind, total: number): Step {
  switch (kind) {
    case "wait":
      return { kind, for: { amount: 1, unit: "days" } };
    case "branch":
      return { kind, if: { replied: true }, then: total };
    case "action":
      return { kind, do: "add_tag", tag: "" };
    default:
      return { wait: { amount: 0, unit: "minutes" }, text: "", template: null };
  }
}

export function newAction(name: ActionName): Step {
  const base = { kind: "action", do: name };
  switch (name) {
    case "set_stage":
      return { ...base, stage: "" };
    case "set_attribute":
      return { ...base, attribute: "", value: "" };
    case "close_conversation":
      return base;
    case "create_task":
      return { ...base, title: "", assignee: "", due: { amount: 1, unit: "days" }, priority: "normal" };
    case "notify":
      return { ...base, webhook: "", payload: {} };
    default:
      return { ...base, tag: "" };
  }
}

export function newCondition(test: Test): Condition {
  switch (test) {
    case "stage":
      return { stage: [] };
    case "score":
      return { score: ["hot"] };
    case "tag":
      return { tag: "" };
    case "attribute":
      return { attribute: "", op: "eq", value: "", type: "text" };
    default:
      return { replied: true };
  }
}

export const testOf = (condition: Condition): Test =>
  TESTS.find((test) => condition[test] !== undefined && condition[test] !== null) ?? "replied";

export function blankRule(): Rule {
  return {
    id: "",
    name: "",
    version: 1,
    active: false,
    send_anytime: false,
    trigger: { kind: "idle", stages: ["new"], idle: { amount: 24, unit: "hours" } },
    steps: [newStep("send", 1) as Rule["steps"][number]],
    exit: { on_reply: true, stages: [] },
  };
}

/**
 * The steps rearranged: `order` lists, for each new position, the old index it takes (or a
 * new step). Branch targets follow the step they named; a target whose step is gone moves
 * to the next step that stayed, or the end.
 */
export function rearrange(steps: Step[], order: (number | Step)[]): Step[] {
  const placed = new Map<number, number>();
  order.forEach((entry, position) => {
    if (typeof entry === "number" && !placed.has(entry)) placed.set(entry, position);
  });
  const target = (old: number): number => {
    for (let k = old; k < steps.length; k++) {
      const found = placed.get(k);
      if (found !== undefined) return found;
    }
    return order.length;
  };
  return order.map((entry) => {
    const step = structuredClone(typeof entry === "number" ? steps[entry] : entry);
    if (kindOf(step) === "branch" && typeof entry === "number") {
      if (typeof step.then === "number") step.then = target(step.then);
      if (typeof step.else === "number") step.else = target(step.else);
    }
    return step;
  });
}

const indices = (n: number) => Array.from({ length: n }, (_, k) => k);

export function moved(steps: Step[], from: number, to: number): Step[] {
  const order: number[] = indices(steps.length);
  order.splice(to, 0, ...order.splice(from, 1));
  return rearrange(steps, order);
}

export function removed(steps: Step[], at: number): Step[] {
  return rearrange(
    steps,
    indices(steps.length).filter((k) => k !== at),
  );
}

export function inserted(steps: Step[], at: number, step: Step): Step[] {
  const order: (number | Step)[] = indices(steps.length);
  order.splice(at, 0, step);
  return rearrange(steps, order);
}

/** How many `{{n}}` placeholders a template body has. */
export function placeholderCount(body: string): number {
  const found = new Set(Array.from(body.matchAll(/\{\{\s*(\d+)\s*\}\}/g), (m) => m[1]));
  return found.size;
}

/** What is sent to the API: empty optional parts dropped, list-only fields removed. */
export function toBody(draft: Rule): Rule {
  const copy = structuredClone(draft);
  delete copy.held;
  delete copy.last_error;
  copy.steps = (copy.steps as Step[]).map((step) => {
    if (kindOf(step) !== "send") return step;
    return {
      ...step,
      text: step.text?.trim() ? step.text : null,
      template: step.template?.name.trim() ? step.template : null,
      ai: step.ai?.instructions.trim() ? { ...step.ai, extra: step.ai.extra?.trim() ? step.ai.extra : null } : null,
    };
  }) as Rule["steps"];
  return copy;
}

export const listOf = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
