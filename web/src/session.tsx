// The signed-in session, its API client and the workspace's data every page shares (query cache).
import { useQuery } from "@tanstack/react-query";
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

/** The workspace's settings the pages share, read once for all of them. */
function useWorkspace() {
  const { api } = useSession();
  return useQuery({
    queryKey: ["settings"],
    queryFn: () => api.get<{ timezone: string; paused: boolean }>("/api/settings"),
    staleTime: 5 * 60_000,
  }).data;
}

/** The workspace's time zone: the lead's zone when the contact has none of its own. */
export function useWorkspaceZone(): string | undefined {
  return useWorkspace()?.timezone;
}

/** Whether an admin paused all sending for the workspace (false until the settings are read). */
export function useWorkspacePaused(): boolean {
  return useWorkspace()?.paused ?? false;
}
