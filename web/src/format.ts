// Dates, times and numbers in the reader's language; times always in a named zone.
import { useIntl } from "react-intl";

/** "Mon 08:00": an instant on the wall clock of `zone`, weekday in `locale`. */
export function localWhen(iso: string, zone: string, locale: string): string {
  const parts = new Intl.DateTimeFormat(locale, {
    timeZone: zone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(iso));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("weekday")} ${part("hour")}:${part("minute")}`;
}

/** A lead as the pages name them: their name, else their number, else their id (a row the
 * live feed pushed before its lead was read). */
export function leadName(name: string | null | undefined, number: string | null | undefined, id: string): string {
  return name?.trim() || (number ? `+${number}` : id);
}

export function useFormat() {
  const intl = useIntl();
  return {
    locale: intl.locale,
    when: (iso: string, zone: string) => localWhen(iso, zone, intl.locale),
    /** Date and time on the wall clock of `zone`. */
    dateTime: (iso: string, zone: string) =>
      intl.formatDate(iso, { timeZone: zone, dateStyle: "medium", timeStyle: "short" }),
    /** A wall-clock time with no zone ("2026-12-06T10:00" or "2026-12-06 10:00"), as it reads. */
    wallTime: (local: string) =>
      intl.formatDate(`${local.replace(" ", "T")}:00Z`, { timeZone: "UTC", dateStyle: "medium", timeStyle: "short" }),
    day: (isoDay: string) => intl.formatDate(`${isoDay}T12:00:00Z`, { timeZone: "UTC", dateStyle: "medium" }),
    shortDay: (isoDay: string) =>
      intl.formatDate(`${isoDay}T12:00:00Z`, { timeZone: "UTC", day: "numeric", month: "short" }),
    number: (n: number) => intl.formatNumber(n),
    percent: (rate: number) => intl.formatNumber(rate, { style: "percent", maximumFractionDigits: 1 }),
    dollars: (amount: number) =>
      intl.formatNumber(amount, {
        style: "currency",
        currency: "USD",
        maximumFractionDigits: amount && amount < 0.01 ? 4 : 2,
      }),
  };
}
