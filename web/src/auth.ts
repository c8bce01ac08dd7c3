// Sign-in: locally, pick a dev role (the local gateway signs a token); in AWS, Cognito's
// hosted UI with the authorization code flow and PKCE: the code it returns is exchanged
// for the ID token only by the tab that asked for it (its state and verifier), so a link
// carrying someone else's code or token signs nobody in. The exchange also returns a
// refresh token, kept in the tab with the session: the ID token (an hour) is renewed with
// it shortly before it expires, or when the API refuses it, until the refresh token
// itself expires (a working day) or is revoked at sign-out, which also ends the hosted UI's
// own session.
import { ApiError, type Role, type Session, type TokenSource } from "./api";

interface Config {
  mode: "local" | "cognito";
  apiUrl?: string;
  wsUrl?: string;
  cognitoDomain?: string;
  clientId?: string;
}

const KEY = "followup.session";
const ASKED = "followup.signIn";
const RENEWAL = "followup.renewal";
/** How long before its expiry the ID token is renewed: a minute, or half the life of a
 * token that lives less than two. */
const RENEW_BEFORE_MS = 60_000;

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
    const { token, refresh } = await exchange(config, code, verifier);
    const session = { token, role: roleOf(token), ...defaults(config) };
    sessionStorage.setItem(KEY, JSON.stringify(session));
    if (refresh) sessionStorage.setItem(RENEWAL, refresh);
    else sessionStorage.removeItem(RENEWAL);
    return session;
  }
  const saved = sessionStorage.getItem(KEY);
  return saved ? (JSON.parse(saved) as Session) : null;
}

async function exchange(
  config: Config,
  code: string,
  verifier: string,
): Promise<{ token: string; refresh?: string }> {
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    client_id: config.clientId ?? "",
    code,
    redirect_uri: redirectUri(),
    code_verifier: verifier,
  });
  const response = await fetch(`${hostedUi(config)}/oauth2/token`, { method: "POST", body });
  if (!response.ok) throw new SignInUnfinished(`the code was refused (${response.status})`);
  const { id_token: token, refresh_token: refresh } = (await response.json()) as Tokens;
  if (!token) throw new SignInUnfinished("no ID token");
  return { token, refresh };
}

interface Tokens {
  id_token?: string;
  refresh_token?: string;
}

/** Whether the token is to be renewed before it is sent: it expires within a minute, or
 * within half its life when it lives less than two. */
function expiresSoon(token: string): boolean {
  const { exp, iat } = claimsOf(token) as { exp?: number; iat?: number };
  if (typeof exp !== "number") return false;
  const life = typeof iat === "number" ? (exp - iat) * 1000 : Infinity;
  return exp * 1000 - Date.now() < Math.min(RENEW_BEFORE_MS, life / 2);
}

/** The tab's ID token to send, renewed first when it expires soon or the API just refused
 * it (`refused`). Requests that ask at once share one renewal. Without a refresh token
 * (local dev tokens, or a renewal Cognito refused) the token is sent as it is, and the API
 * answers that the sign-in expired once it has: Cognito is not asked again. */
export function tokenSource(config: Config, session: Session): TokenSource {
  let held = session.token;
  let renewing: Promise<string> | null = null;
  const renew = () => {
    renewing ??= renewed(config, held).finally(() => {
      renewing = null;
    });
    return renewing;
  };
  return async (refused) => {
    if (renewing) return renewing;
    const stale = refused === undefined ? expiresSoon(held) : refused === held;
    if (!stale || sessionStorage.getItem(RENEWAL) === null) return held;
    held = await renew();
    return held;
  };
}

/** A new ID token for the tab's refresh token, saved with the session; the refresh token
 * Cognito sends back in its place, if it rotates them, kept instead. A refusal (the refresh
 * token expired or was revoked) forgets the refresh token and leaves the token as it was. */
async function renewed(config: Config, token: string): Promise<string> {
  const refresh = sessionStorage.getItem(RENEWAL) ?? "";
  const body = new URLSearchParams({
    grant_type: "refresh_token",
    client_id: config.clientId ?? "",
    refresh_token: refresh,
  });
  const response = await fetch(`${hostedUi(config)}/oauth2/token`, { method: "POST", body });
  if (response.status === 400 || response.status === 401) {
    sessionStorage.removeItem(RENEWAL);
    return token;
  }
  if (!response.ok) throw new ApiError(response.status, "renewal", "the sign-in could not be renewed", []);
  const answer = (await response.json()) as Tokens;
  if (!answer.id_token) throw new ApiError(502, "renewal", "no ID token", []);
  const saved = sessionStorage.getItem(KEY);
  if (saved === null) return token;
  sessionStorage.setItem(KEY, JSON.stringify({ ...(JSON.parse(saved) as Session), token: answer.id_token }));
  if (answer.refresh_token) sessionStorage.setItem(RENEWAL, answer.refresh_token);
  return answer.id_token;
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

/** Forgets the session. In AWS its refresh token is revoked too, so a copy of it renews
 * nothing, and the tab goes through the hosted UI's sign-out, which ends the hosted UI's own
 * session (its cookie) and comes back to the app signed out: otherwise the next person to
 * press "Sign in" on this computer would be signed in as this user without a password.
 * Revoking is a plain form POST, which Cognito acts on even when the browser keeps its
 * answer from the tab; `keepalive` lets it go out although the tab leaves at once. */
export function signOut(config: Config): void {
  const refresh = sessionStorage.getItem(RENEWAL);
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(RENEWAL);
  if (config.mode !== "cognito") return;
  const clientId = config.clientId ?? "";
  if (refresh !== null) {
    const body = new URLSearchParams({ token: refresh, client_id: clientId });
    fetch(`${hostedUi(config)}/oauth2/revoke`, { method: "POST", body, keepalive: true }).catch(() => undefined);
  }
  const query = new URLSearchParams({ client_id: clientId, logout_uri: redirectUri() });
  window.location.assign(`${hostedUi(config)}/logout?${query}`);
}
