// Errors in plain words, with a retry; never a bare "Failed to fetch". The API's problems
// in the reader's language, by their codes, with the API's English for the rest.
import { Alert, Button, Center, Loader, Text } from "@mantine/core";
import { useIntl } from "react-intl";
import { ApiError, type Problem } from "./api";
import { fieldLabel } from "./explain";
import type { MessageId } from "./i18n/en";
import { useT } from "./i18n/locale";

/** The API's problem codes (pydantic's error types and its own) this app says in its own
 * words, with the bounds each needs from the problem's `limits` and what it names from its
 * `values`; others show the API's message. `whole`: the words speak of the request, not of
 * one field. */
const WORDED: Record<string, { id: MessageId; needs?: string[]; names?: string[]; whole?: boolean }> = {
  missing: { id: "problem.missing" },
  union_tag_not_found: { id: "problem.missing" },
  string_too_short: { id: "problem.string_too_short", needs: ["min_length"] },
  string_too_long: { id: "problem.string_too_long", needs: ["max_length"] },
  too_short: { id: "problem.too_short", needs: ["min_length"] },
  too_long: { id: "problem.too_long", needs: ["max_length"] },
  greater_than_equal: { id: "problem.greater_than_equal", needs: ["ge"] },
  greater_than: { id: "problem.greater_than", needs: ["gt"] },
  less_than_equal: { id: "problem.less_than_equal", needs: ["le"] },
  less_than: { id: "problem.less_than", needs: ["lt"] },
  multiple_of: { id: "problem.multiple_of", needs: ["multiple_of"] },
  int_parsing: { id: "problem.whole_number" },
  int_type: { id: "problem.whole_number" },
  int_from_float: { id: "problem.whole_number" },
  float_parsing: { id: "problem.number" },
  float_type: { id: "problem.number" },
  bool_parsing: { id: "problem.yes_no" },
  bool_type: { id: "problem.yes_no" },
  string_type: { id: "problem.text" },
  string_pattern_mismatch: { id: "problem.pattern" },
  enum: { id: "problem.choice", needs: ["expected"] },
  literal_error: { id: "problem.choice", needs: ["expected"] },
  union_tag_invalid: { id: "problem.choice", needs: ["expected_tags"] },
  extra_forbidden: { id: "problem.unknown_field" },
  unknown_field: { id: "problem.unknown_field" },
  unknown_parameter: { id: "problem.unknown_field" },
  datetime_parsing: { id: "problem.datetime" },
  datetime_type: { id: "problem.datetime" },
  datetime_from_date_parsing: { id: "problem.datetime" },
  date_parsing: { id: "problem.date" },
  date_type: { id: "problem.date" },
  date_from_datetime_parsing: { id: "problem.date" },
  date_from_datetime_inexact: { id: "problem.date" },
  time_parsing: { id: "problem.time" },
  time_type: { id: "problem.time" },
  timezone_aware: { id: "problem.timezone_aware" },
  url_parsing: { id: "problem.url" },
  url_scheme: { id: "problem.url" },
  url_type: { id: "problem.url" },
  json_invalid: { id: "problem.json" },
  unknown_stage: { id: "problem.unknown_stage" },
  stage_in_use: { id: "problem.stage_in_use", names: ["rule", "stage"] },
  stage_has_contacts: { id: "problem.stage_has_contacts", names: ["stage"] },
  user_id_taken: { id: "problem.user_id_taken", whole: true },
  user_id_mismatch: { id: "problem.user_id_mismatch", whole: true },
  wa_id_mismatch: { id: "problem.wa_id_mismatch", whole: true },
  rule_inactive: { id: "problem.rule_inactive", whole: true },
  rule_opens_without_message: { id: "problem.rule_opens_without_message", whole: true },
  rule_not_for_contact: { id: "problem.rule_not_for_contact", whole: true },
  sort_needs_stage: { id: "problem.sort_needs_stage", whole: true },
  from_after_to: { id: "problem.from_after_to", whole: true },
  period_too_long: { id: "problem.period_too_long", whole: true },
};

function wording(code: string | undefined) {
  return code !== undefined && Object.hasOwn(WORDED, code) ? WORDED[code] : undefined;
}

/** Refusals of a whole request (no field to name) this app says in its own words: a
 * conflict's kind among them, by the code the API gives it. */
const REFUSALS: Record<string, MessageId> = {
  busy: "error.busy",
  too_large: "error.too_large",
  unsupported_media_type: "error.unsupported_media_type",
  switched_meanwhile: "error.switched_meanwhile",
  own_opt_out: "contact.dnc.ownStop",
  opted_out: "error.opted_out",
  rule_exists: "error.rule_exists",
  kept_changing: "error.kept_changing",
  conversation_closed: "error.conversation_closed",
  followup_waiting: "error.followup_waiting",
  tries_used_up: "error.tries_used_up",
  overtaken: "error.overtaken",
  window_closed: "error.window_closed",
  email_not_paused: "error.email_not_paused",
  already_decided: "error.already_decided",
};

/** The choices pydantic lists (`'hot', 'warm' or 'cold'`, `'send', 'wait'`). */
function choices(listed: string): string[] {
  return listed.split(/, | or /).map((choice) => choice.replace(/^'(.*)'$/, "$1"));
}

/** One problem of the API's in the reader's words, without its field: by its code, with the
 * bounds its `limits` give (numbers written the reader's way, choices joined with the
 * language's "or") and the stage or rule its `values` name; the API's own message for a
 * code this app does not word, or whose bound is no number (a date, a duration, said in
 * English). */
export function useProblemSaying(): (problem: Problem) => string {
  const t = useT();
  const intl = useIntl();
  const either = new Intl.ListFormat(intl.locale, { type: "disjunction" });
  return (problem) => {
    const worded = wording(problem.code);
    if (!worded) return problem.message;
    const limits = problem.limits ?? {};
    const values: Record<string, string | number> = {};
    for (const name of worded.needs ?? []) {
      const value = limits[name];
      if ((name === "expected" || name === "expected_tags") && typeof value === "string") {
        values.expected = either.format(choices(value).map((choice) => `“${choice}”`));
      } else if (typeof value !== "number") {
        return problem.message;
      } else {
        values[name] = name.endsWith("_length") ? value : intl.formatNumber(value);
      }
    }
    for (const name of worded.names ?? []) {
      const value = problem.values?.[name];
      if (value === undefined) return problem.message;
      values[name] = value;
    }
    return t(worded.id, values);
  };
}

/** A problem with the field it concerns named, as the page labels it or the API names it. */
export function useProblemLine(): (problem: Problem) => string {
  const t = useT();
  const saying = useProblemSaying();
  return (problem) => (wording(problem.code)?.whole ? saying(problem) : `${fieldLabel(problem.field, t)}: ${saying(problem)}`);
}

/** The API's objections to a request in the reader's words, by the field each names. */
export function useProblemsByField(): (error: unknown) => Map<string, string[]> {
  const saying = useProblemSaying();
  return (error) => {
    const found = new Map<string, string[]>();
    if (error instanceof ApiError) {
      for (const problem of error.details) found.set(problem.field, [...(found.get(problem.field) ?? []), saying(problem)]);
    }
    return found;
  };
}

export function useProblemWords(): (error: unknown) => string {
  const t = useT();
  const line = useProblemLine();
  return (error) => {
    if (error instanceof ApiError) {
      if (Object.hasOwn(REFUSALS, error.code)) return t(REFUSALS[error.code]);
      if (error.status === 401) return t("error.signedOut");
      if (error.status === 403) return t("error.forbidden");
      if (error.status === 404) return t("error.notFound");
      if (error.status >= 500) return t("error.server", { status: error.status });
      if (error.details.length === 0) return error.message;
      return t("error.invalid", { problems: error.details.map(line).join("; ") });
    }
    if (error instanceof TypeError) return t("error.network");
    return t("error.server", { status: "?" });
  };
}

/** Whether asking again may answer otherwise: the network or the server failed, or it was
 * busy; not when the request itself was refused (a role, a sign-in, a deleted item). */
function passing(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status >= 500 || error.status === 408 || error.status === 429;
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const t = useT();
  const words = useProblemWords();
  return (
    <Alert color="red" variant="light" role="alert" my="sm">
      <Text size="sm">{words(error)}</Text>
      {retry && passing(error) && (
        <Button size="xs" variant="white" color="red" mt="xs" onClick={retry}>
          {t("error.retry")}
        </Button>
      )}
    </Alert>
  );
}

export function Loading() {
  const t = useT();
  return (
    <Center py="lg">
      <Loader size="sm" aria-hidden />
      <Text ml="sm" c="dimmed">
        {t("app.loading")}
      </Text>
    </Center>
  );
}

export function Empty({ children }: { children: string }) {
  return (
    <Text c="dimmed" py="md" className="empty">
      {children}
    </Text>
  );
}
