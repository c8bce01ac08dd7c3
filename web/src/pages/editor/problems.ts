// The API's 422 details (`steps.2.template`, code, values) in the reader's words, by field.
import { useIntl } from "react-intl";
import { ApiError, type Problem } from "../../api";
import type { MessageId } from "../../i18n/en";
import { useT } from "../../i18n/locale";

type Values = Record<string, string | number>;

/** What we say for a problem: a sentence naming the problem's own `values`, or a sentence
 * and the values it names, worked out from the problem (undefined: not one we word). */
type Reading = MessageId | ((problem: Problem) => [MessageId, Values?] | undefined);

const choice: Reading = "editor.problem.choice";
const number: Reading = "editor.problem.number";

/** Only a required value is held to at least one character or item. */
const required: Reading = ({ limits }) => (limits?.min_length === 1 ? ["editor.problem.required"] : undefined);
const tooLong: Reading = ({ limits }) => ["editor.problem.tooLong", { max: limits?.max_length ?? "" }];

/** The API's codes (its validator's and its own review's, then pydantic's), and what we say instead. */
const KNOWN: Record<string, Reading> = {
  deleted_rule_id: "editor.problem.deletedId",
  unknown_stage: "editor.problem.unknownStage",
  unknown_contact_field: ({ values }) => ["editor.problem.noField", { name: values?.contact_field ?? "" }],
  placeholder_meant: "editor.problem.placeholderMeant",
  placeholder_unclosed: "editor.problem.placeholderOpen",
  not_a_placeholder: "editor.problem.placeholder",
  unknown_template: ({ values }) => [
    "editor.problem.noTemplate",
    { name: values?.template ?? "", language: values?.language ?? "" },
  ],
  template_params: "editor.problem.paramCount",
  unknown_sibling: "editor.problem.sibling",
  sms_too_long: tooLong,
  no_message: "editor.problem.needsMessage",
  sms_needs_text: "editor.problem.smsText",
  email_needs_content: "editor.problem.emailContent",
  channel_twice: "editor.problem.channels",
  whatsapp_fallback: "editor.problem.channels",
  ai_needs_place: "editor.problem.aiPlace",
  one_ai_param: "editor.problem.oneAiParam",
  param_source: "editor.problem.paramSource",
  empty_param: "editor.problem.emptyParam",
  wait_target: "editor.problem.waitTarget",
  wait_offset: "editor.problem.waitOffset",
  jump_forward: "editor.problem.jumpForward",
  else_needs_if: "editor.problem.elseNeedsIf",
  condition_one: "editor.problem.conditionOne",
  order_needs_number: "editor.problem.orderNeedsNumber",
  idle_units: "editor.problem.idleUnits",
  max_idle: "editor.problem.maxIdle",
  notify_target: "editor.problem.notifyTarget",
  webhook_host: "editor.problem.webhookHost",
  detail_type: "editor.problem.detailType",
  missing: "editor.problem.required",
  string_too_short: required,
  too_short: required,
  string_pattern_mismatch: ({ field }) => [
    field.endsWith(".webhook") ? "editor.problem.notifyTarget" : "editor.problem.pattern",
  ],
  string_too_long: tooLong,
  too_long: tooLong,
  greater_than_equal: "editor.problem.tooSmall",
  greater_than: "editor.problem.tooSmall",
  less_than_equal: ({ limits }) => ["editor.problem.tooBig", { max: limits?.le ?? "" }],
  int_type: number,
  int_parsing: number,
  int_from_float: number,
  float_type: number,
  float_parsing: number,
  literal_error: choice,
  enum: choice,
  bool_type: choice,
  bool_parsing: choice,
  string_type: choice,
  list_type: choice,
  dict_type: choice,
  model_type: choice,
};

/** The sentence for `problem` and the values it names, if it is one we word. */
function reading(problem: Problem): [MessageId, Values] | undefined {
  const known = problem.code === undefined ? undefined : KNOWN[problem.code];
  if (known === undefined) return undefined;
  const found: [MessageId, Values?] | undefined = typeof known === "string" ? [known] : known(problem);
  return found && [found[0], { ...problem.values, ...found[1] }];
}

export type Problems = Map<string, string[]>;

/** Turns the API's problems into translated sentences, keyed by field path, with numbers
 * written the reader's way. */
export function useProblemReader(): (error: unknown, label: (field: string) => string) => Problems {
  const t = useT();
  const intl = useIntl();
  const written = (values: Values): Values =>
    Object.fromEntries(Object.entries(values).map(([name, value]) => [name, typeof value === "number" ? intl.formatNumber(value) : value]));
  return (error, label) => {
    const found: Problems = new Map();
    if (!(error instanceof ApiError)) return found;
    for (const problem of error.details) {
      const field = label(problem.field);
      const known = reading(problem);
      const words = known ? t(known[0], { ...written(known[1]), field }) : t("editor.problem.generic", { field });
      found.set(problem.field, [...(found.get(problem.field) ?? []), words]);
    }
    return found;
  };
}

/** The problems at `field` itself, and (with `below`) at fields inside it. */
export function problemsAt(problems: Problems, field: string, below = false): string | undefined {
  const messages = [...problems.entries()]
    .filter(([at]) => at === field || (below && at.startsWith(`${field}.`)))
    .flatMap(([, found]) => found);
  return messages.length ? messages.join(" ") : undefined;
}
