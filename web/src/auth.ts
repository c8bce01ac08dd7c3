// Sign-in: locally, pick a dev role (the local gateway signs a token); in AWS, Cognito's
// hosted UI with the authorization code flow and PKCE: the code it returns is exchanged
// for the ID token only by the tab that asked for it (its state and verifier), so a link
// carrying someone else's code or token signs nobody in.
import type { Role, Session } from "./api";

interface Config {
  mode: "local" | "cognito";
  apiUrl?: string;
  wsUrl?: string;
  cognitoDomain?: string;
  clientId?: string;
}

const KEY = "followup.session";
const ASKED = "followup.signIn";

/** The hosted UI's sign-in did not finish here: refused, not asked from this tab, or its
 * code not taken. The user signs in again. */
export class SignInUnfinished extends Error {}

/** Where the hosted UI is: its domain (https), or an address with its scheme. */
function hostedUi(config: Config): string {
  const domain = config.cognitoDomain ?? "";
  return /^https?:\/\//.test(domain) ? domain.replace(/\/+$/, "") : `https://${domain}`;
}

function redirectUri(): string {
  return `${window.location.origin}/`;
}

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText(size: number): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(size)));
}

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

/** The session this tab holds, or the one the hosted UI just sent it back to finish: its
 * code exchanged for the ID token when the state is the one this tab asked with. A code
 * with another state, or none asked for, is refused and signs nobody in. */
export async function savedSession(config: Config): Promise<Session | null> {
  const query = new URLSearchParams(window.location.search);
  const code = query.get("code");
  if (code !== null || query.has("error")) {
    window.history.replaceState(null, "", window.location.pathname + window.location.hash);
    const asked = sessionStorage.getItem(ASKED);
    sessionStorage.removeItem(ASKED);
    const { state, verifier } = asked ? (JSON.parse(asked) as { state: string; verifier: string }) : {};
    if (!code || !state || query.get("state") !== state || !verifier) {
      throw new SignInUnfinished(query.get("error_description") ?? query.get("error") ?? "not asked here");
    }
    const token = await exchange(config, code, verifier);
    const session = { token, role: roleOf(token), ...defaults(config) };
    sessionStorage.setItem(KEY, JSON.stringify(session));
    return session;
  }
  const saved = sessionStorage.getItem(KEY);
  return saved ? (JSON.parse(saved) as Session) : null;
}

async function exchange(config: Config, code: string, verifier: string): Promise<string> {
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    client_id: config.clientId ?? "",
    code,
    redirect_uri: redirectUri(),
    code_verifier: verifier,
  });
  const response = await fetch(`${hostedUi(config)}/oauth2/token`, { method: "POST", body });
  if (!response.ok) throw new SignInUnfinished(`the code was refused (${response.status})`);
  const { id_token: token } = (await response.json()) as { id_token?: string };
  if (!token) throw new SignInUnfinished("no ID token");
  return token;
}

export async function signInLocally(config: Config, role: Role): Promise<Session> {
  const response = await fetch(`/dev/token?role=${role}`, { method: "POST" });
  if (!response.ok) throw new Error(`sign-in failed (${response.status})`);
  const { token } = (await response.json()) as { token: string };
  const session = { token, role, ...defaults(config) };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export async function signInWithCognito(config: Config): Promise<void> {
  const state = randomText(24);
  const verifier = randomText(48);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  sessionStorage.setItem(ASKED, JSON.stringify({ state, verifier }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId ?? "",
    scope: "openid email",
    redirect_uri: redirectUri(),
    state,
    code_challenge: base64Url(new Uint8Array(digest)),
    code_challenge_method: "S256",
  });
  window.location.href = `${hostedUi(config)}/oauth2/authorize?${query}`;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}
