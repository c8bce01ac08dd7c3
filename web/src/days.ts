// Calendar days read on the wall clock of a time zone, as the API's instants.

const DAY = 86_400_000;

/** How far `zone`'s wall clock is ahead of UTC at `at`, in milliseconds. */
function offset(at: Date, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

/** The calendar day (YYYY-MM-DD) `zone`'s wall clock shows at `at`. */
function wallDay(at: Date, zone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

const HALF_A_DAY_AND_MORE = 14 * 3_600_000;

/** The instant `isoDay` (YYYY-MM-DD) starts in `zone`: its midnight at the offset in force
 * then, not at UTC's midnight (Sydney's clocks change between the two). Its midnight read
 * at the offset before a change and at the one after, the first of those instants the
 * zone's clock shows on that day: a midnight the clocks skip (Santiago, Havana, Beirut)
 * starts the day at the first instant after it. */
export function dayStart(isoDay: string, zone: string): Date {
  const midnight = new Date(`${isoDay}T00:00:00Z`).getTime();
  const starts = [midnight - HALF_A_DAY_AND_MORE, midnight + HALF_A_DAY_AND_MORE]
    .map((around) => new Date(midnight - offset(new Date(around), zone)))
    .filter((start) => wallDay(start, zone) === isoDay)
    .map((start) => start.getTime());
  return new Date(Math.min(...starts));
}

/** The last second of `isoDay` in `zone`. */
export function dayEnd(isoDay: string, zone: string): Date {
  const next = new Date(new Date(`${isoDay}T00:00:00Z`).getTime() + DAY).toISOString().slice(0, 10);
  return new Date(dayStart(next, zone).getTime() - 1000);
}

/** An instant as the API reads it: UTC, to the second. */
export function apiTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export const days = (n: number) => n * DAY;
