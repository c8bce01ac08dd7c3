// Sign-in: locally, pick a dev role (the local gateway signs a token); in AWS, Cognito's
// hosted UI returns an ID token in the URL fragment.
import type { Role, Session } from "./api";

interface Config {
  mode: "local" | "cognito";
  apiUrl?: string;
  wsUrl?: string;
  cognitoDomain?: string;
  clientId?: string;
}

const KEY = "followup.session";

export async function loadConfig(): Promise<Config> {
  const response = await fetch("/config.json");
  return response.ok ? ((await response.json()) as Config) : { mode: "local" };
}

function defaults(config: Config): { apiUrl: string; wsUrl: string } {
  const origin = window.location.origin;
  return {
    apiUrl: config.apiUrl ?? origin,
    wsUrl: config.wsUrl ?? `${origin.replace(/^http/, "ws")}/ws`,
  };
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
}

/** Who is signed in, as tasks name their assignee: the e-mail, else the user name. */
export function whoAmI(session: Session): string {
  const claims = claimsOf(session.token);
  return String(claims.email ?? claims["cognito:username"] ?? claims.username ?? claims.sub ?? "");
}

function roleOf(token: string): Role {
  const claims = claimsOf(token);
  const groups = (claims["cognito:groups"] ?? []) as string[];
  return (["admin", "marketing", "counselor"] as Role[]).find((r) => groups.includes(r)) ?? "counselor";
}

export function savedSession(config: Config): Session | null {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const fromCognito = fragment.get("id_token");
  if (fromCognito) {
    window.history.replaceState(null, "", window.location.pathname);
    const session = { token: fromCognito, role: roleOf(fromCognito), ...defaults(config) };
    sessionStorage.setItem(KEY, JSON.stringify(session));
    return session;
  }
  const saved = sessionStorage.getItem(KEY);
  return saved ? (JSON.parse(saved) as Session) : null;
}

export async function signInLocally(config: Config, role: Role): Promise<Session> {
  const response = await fetch(`/dev/token?role=${role}`, { method: "POST" });
  if (!response.ok) throw new Error(`sign-in failed (${response.status})`);
  const { token } = (await response.json()) as { token: string };
  const session = { token, role, ...defaults(config) };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function signInWithCognito(config: Config): void {
  const redirect = encodeURIComponent(`${window.location.origin}/`);
  window.location.href =
    `https://${config.cognitoDomain}/oauth2/authorize?response_type=token&client_id=${config.clientId}` +
    `&scope=openid+email&redirect_uri=${redirect}`;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}
