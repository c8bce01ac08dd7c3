// Why a follow-up waits, in words: the send window's opening, read in the lead's time.
import type { FollowUp } from "./api";

/** "Mon 08:00": an instant on the wall clock of `zone`. */
export function localWhen(iso: string, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(iso));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("weekday")} ${part("hour")}:${part("minute")}`;
}

/** Why a queued follow-up is not on its way yet, or "" when nothing holds it. */
export function waitWords(f: FollowUp): string {
  if (f.status !== "queued") return "";
  if (f.waiting_for_window && f.opens_at && f.zone) {
    return `Waits for the send window: it opens ${localWhen(f.opens_at, f.zone)} in the lead's time (${f.zone})`;
  }
  if (f.reason?.startsWith("held: ")) return `Held: ${f.reason.slice("held: ".length)}; it goes once sending resumes`;
  return "";
}

/** The queue's banner: how many wait for the send window and when it first opens, or "". */
export function windowBanner(rows: FollowUp[]): string {
  const waiting = rows.filter((f) => f.status === "queued" && f.waiting_for_window && f.opens_at && f.zone);
  if (waiting.length === 0) return "";
  const first = new Map<string, string>();
  for (const f of waiting) {
    const zone = f.zone as string;
    const seen = first.get(zone);
    if (!seen || (f.opens_at as string) < seen) first.set(zone, f.opens_at as string);
  }
  const count = waiting.length === 1 ? "1 follow-up is" : `${waiting.length} follow-ups are`;
  const whose = waiting.length === 1 ? "the lead's" : "the leads'";
  const zones = [...first.entries()].sort((a, b) => a[1].localeCompare(b[1]));
  const opens =
    zones.length === 1
      ? `${localWhen(zones[0][1], zones[0][0])} in ${whose} time (${zones[0][0]})`
      : `${zones.map(([zone, at]) => `${localWhen(at, zone)} (${zone})`).join(", ")} in ${whose} time`;
  return `${count} waiting for the send window: it opens ${opens}`;
}
