// The signed-in session, its API client and the workspace's data every page shares (query cache).
import { queryOptions, useQuery } from "@tanstack/react-query";
import { createContext, useContext } from "react";
import type { Api, Rule, Session } from "./api";

export const SessionContext = createContext<{ session: Session; api: Api } | null>(null);

export function useSession(): { session: Session; api: Api } {
  const found = useContext(SessionContext);
  if (!found) throw new Error("useSession outside a signed-in app");
  return found;
}

export function useRules() {
  const { api } = useSession();
  return useQuery({
    queryKey: ["rules"],
    queryFn: () => api.get<{ rules: Rule[] }>("/api/rules").then((found) => found.rules),
  });
}

/** The workspace's settings the pages share: its zone and what pauses its sending. */
export interface Workspace {
  timezone: string;
  paused: boolean;
  paused_reason: string | null;
  /** Since when all sending is paused; null for a pause stored before this was kept. */
  paused_at: string | null;
  /** Set when SES refused the whole account: email waits until an admin resumes it. */
  email_paused: { reason: string; at: string } | null;
}

/** How often the pauses are read again while a page is open: one may start or end anytime
 * (an admin elsewhere, WhatsApp's reports, SES), and nothing pushes that to the app. */
const PAUSES_READ_EVERY_MS = 30_000;

function workspaceQuery(api: Api) {
  return queryOptions({
    queryKey: ["settings"],
    queryFn: () => api.get<Workspace>("/api/settings"),
    staleTime: 5 * 60_000,
  });
}

/** The workspace's settings the pages share, read once for all of them. */
function useWorkspace() {
  const { api } = useSession();
  return useQuery(workspaceQuery(api)).data;
}

/** The workspace's time zone: the lead's zone when the contact has none of its own. */
export function useWorkspaceZone(): string | undefined {
  return useWorkspace()?.timezone;
}

/** Whether an admin paused all sending for the workspace (false until the settings are read). */
export function useWorkspacePaused(): boolean {
  return useWorkspace()?.paused ?? false;
}

export interface NumberHealth {
  phone_number_id: string;
  display_phone_number: string;
  quality: string;
  /** When WhatsApp last reported on it: null before its first report. */
  updated_at: string | null;
  paused: boolean;
  /** Why it is paused, in the server's English. */
  paused_reason: string | null;
  /** When its pause began (later reports leave it); null while it runs, and for a pause
   * stored before this was kept. */
  paused_at: string | null;
  /** What paused it, for the app to word (`quality:FLAGGED`, `whatsapp:131048`, `agent`,
   * `api_key`); null when the server does not say. */
  paused_code: string | null;
  /** Its pace; null for a number reported on that the configuration does not name. */
  sends_per_second: number | null;
  default: boolean;
  configured: boolean;
}

/** The portfolio's messaging limit, shared by every number in it. */
export interface MessagingLimitUse {
  portfolio: string;
  tier: number | null;
  allowance: number | null;
  reached: number;
}

/** The sending numbers, their health and pauses (GET /api/numbers). */
export function useNumbers() {
  const { api } = useSession();
  return useQuery(numbersQuery(api));
}

function numbersQuery(api: Api) {
  return queryOptions({
    queryKey: ["numbers"],
    queryFn: () =>
      api.get<{ numbers: NumberHealth[]; sending_paused: string | null; messaging_limit: MessagingLimitUse }>(
        "/api/numbers",
      ),
  });
}

/** What holds sends back now, read again every little while: the workspace's pause,
 * email's and each paused number's (nothing until they are read). */
export function useSendingPauses(): { workspace?: Workspace; numbers: NumberHealth[] } {
  const { api } = useSession();
  const workspace = useQuery({ ...workspaceQuery(api), refetchInterval: PAUSES_READ_EVERY_MS }).data;
  const numbers = useQuery({ ...numbersQuery(api), refetchInterval: PAUSES_READ_EVERY_MS }).data;
  return { workspace, numbers: numbers?.numbers.filter((n) => n.paused) ?? [] };
}
