// The API's 422 details (`steps.2.template`, message) in the reader's words, by field.
import { ApiError } from "../../api";
import type { MessageId } from "../../i18n/en";
import { useT } from "../../i18n/locale";

type Values = Record<string, string>;

/** Messages the API gives, from its validator or its own review, and what we say instead. */
const KNOWN: [RegExp, MessageId][] = [
  [/^'(?<id>.+)' belonged to a rule that was deleted/, "editor.problem.deletedId"],
  [/^unknown stage '(?<stage>.+)'$/, "editor.problem.unknownStage"],
  [/\{?(?<name>[^{}']+)\}?'? names no contact field/, "editor.problem.noField"],
  [/^["'](?<fragment>.+)["'] is not a placeholder: write (?<meant>\{.+\})$/, "editor.problem.placeholderMeant"],
  [/^["'](?<fragment>.+)["'] opens a brace it never closes/, "editor.problem.placeholderOpen"],
  [/^["'](?<fragment>.+)["'] is not a placeholder/, "editor.problem.placeholder"],
  [/no template '(?<name>.+)' in language '(?<language>.+)' in the synced catalogue/, "editor.problem.noTemplate"],
  [/template '.+' takes (?<wanted>\d+) parameters, the step gives (?<given>\d+)/, "editor.problem.paramCount"],
  [/sibling/, "editor.problem.sibling"],
  [/^Field required$|at least 1 (character|item)/, "editor.problem.required"],
  [/should match pattern/, "editor.problem.pattern"],
  [/at most (?<max>[\d,]+) (character|item)/, "editor.problem.tooLong"],
  [/greater than or equal to (?<min>\d+)|greater than (?<above>\d+)/, "editor.problem.tooSmall"],
  [/less than or equal to (?<max>\d+)/, "editor.problem.tooBig"],
  [/valid (integer|number)/, "editor.problem.number"],
  [/needs a free text, a template, or both/, "editor.problem.needsMessage"],
  [/SMS step needs a free text/, "editor.problem.smsText"],
  [/email step needs/, "editor.problem.emailContent"],
  [/channel appears once|WhatsApp can only be/, "editor.problem.channels"],
  [/AI step needs a free text or a template parameter/, "editor.problem.aiPlace"],
  [/at most one parameter may be written by the AI/, "editor.problem.oneAiParam"],
  [/either a contact field or a fixed text/, "editor.problem.paramSource"],
  [/fixed text parameter is empty/, "editor.problem.emptyParam"],
  [/exactly one of for, until_time, until_attribute/, "editor.problem.waitTarget"],
  [/offset and before go with until_attribute/, "editor.problem.waitOffset"],
  [/jump forward/, "editor.problem.jumpForward"],
  [/an else needs an if/, "editor.problem.elseNeedsIf"],
  [/condition tests exactly one/, "editor.problem.conditionOne"],
  [/compares numbers or dates/, "editor.problem.orderNeedsNumber"],
  [/idle times are elapsed time/, "editor.problem.idleUnits"],
  [/max_idle must be longer/, "editor.problem.maxIdle"],
  [/webhook or to the bus|should match pattern '\^https/, "editor.problem.notifyTarget"],
  [/needs a detail_type/, "editor.problem.detailType"],
  [/Input should be/, "editor.problem.choice"],
];

export type Problems = Map<string, string[]>;

/** Turns the API's problems into translated sentences, keyed by field path. */
export function useProblemReader(): (error: unknown, label: (field: string) => string) => Problems {
  const t = useT();
  return (error, label) => {
    const found: Problems = new Map();
    if (!(error instanceof ApiError)) return found;
    for (const { field, message } of error.details) {
      const known = KNOWN.find(([pattern]) => pattern.test(message));
      const values: Values = { field: label(field), ...(known ? message.match(known[0])?.groups : {}) };
      const words = known ? t(known[1], values) : t("editor.problem.generic", values);
      found.set(field, [...(found.get(field) ?? []), words]);
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
