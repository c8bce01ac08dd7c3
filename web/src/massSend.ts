// The mass-send refusal in the reader's language, from the numbers the API gives with it.
import type { ApiError } from "./api";
import { useFormat } from "./format";
import { useT } from "./i18n/locale";

/** The numbers the API gives with a mass-send refusal, if it gave them. */
function factsOf<Facts>(error: ApiError): Facts | undefined {
  return error.details.find((d) => d.code === "mass_send") as unknown as Facts | undefined;
}

interface MassSend {
  count: number;
  limit: number;
  complete: boolean;
  /** A date rule's busiest day to come (the workspace's calendar), and its attribute. */
  day: string | null;
  attribute: string | null;
}

/** "Turning this on would message 450 leads on 8 Dec 2026, when their class_start comes
 * round (the limit is 200)." and, when the check ran out of time, that there may be more;
 * the API's English sentence when it gives no numbers. */
export function useMassSendWords(): (error: ApiError) => string {
  const t = useT();
  const format = useFormat();
  return (error) => {
    const facts = factsOf<MassSend>(error);
    if (facts?.count === undefined) return error.message;
    const values = { count: facts.count, limit: facts.limit };
    if (facts.attribute !== null && facts.day === null) {
      // No date still to come among the leads read in time: how many, it cannot say.
      return `${t("massSend.oneDay", { limit: facts.limit, attribute: facts.attribute })} ${t("massSend.why")}`;
    }
    const said =
      facts.attribute === null
        ? t("massSend.atOnce", values)
        : t("massSend.onDay", { ...values, attribute: facts.attribute, day: format.day(facts.day ?? "") });
    const unread = facts.complete ? "" : ` ${t("massSend.unread")}`;
    return `${said}${unread} ${t("massSend.why")}`;
  };
}

interface MassImport {
  /** The rule, by name, that would message the most on one day: null when the check read
   * nobody it reaches before its time ran out. */
  rule: string | null;
  count: number;
  limit: number;
  complete: boolean;
  day: string | null;
}

/** "Importing this file would have “Class reminder” message 450 leads on 8 Dec 2026 (the
 * limit is 200)." and, when the check ran out of time, that there may be more; the API's
 * English sentence when it gives no numbers. */
export function useMassImportWords(): (error: ApiError) => string {
  const t = useT();
  const format = useFormat();
  return (error) => {
    const facts = factsOf<MassImport>(error);
    if (facts?.count === undefined) return error.message;
    if (facts.rule === null || facts.day === null) {
      return `${t("massSend.importUnread", { limit: facts.limit })} ${t("massSend.why")}`;
    }
    const said = t("massSend.import", {
      rule: facts.rule,
      count: facts.count,
      limit: facts.limit,
      day: format.day(facts.day),
    });
    const unread = facts.complete ? "" : ` ${t("massSend.unread")}`;
    return `${said}${unread} ${t("massSend.why")}`;
  };
}
