// The admin API: bearer token, one error shape ({error: {code, message, details}}).

export type Role = "admin" | "marketing" | "counselor";

export interface Session {
  token: string;
  role: Role;
  apiUrl: string;
  wsUrl: string;
}

export interface Problem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Problem[],
  ) {
    super(message);
  }
}

export interface FollowUp {
  id: string;
  contact_id: string;
  rule_id: string;
  status: string;
  reason: string | null;
  error_title: string | null;
  scheduled_at: string;
  created_at: string;
  sent_at: string | null;
  manual: boolean;
  history: { status: string; at: string; reason?: string | null }[];
  /** The AI-written message waiting for approval (reason `awaiting_approval`). */
  proposed?: { kind: "text" | "template"; text: string | null; params: string[] } | null;
  /** The send window moved it: it waits for `opens_at` (UTC), shown in the lead's `zone`.
   * Absent on follow-ups pushed by the live feed, which does not work it out. */
  waiting_for_window?: boolean;
  opens_at?: string;
  opens_at_local?: string;
  zone?: string;
  /** The send window in words, e.g. "Mon–Fri 08:00–17:00". */
  window?: string;
}

/** What "send follow-up now" answers: when the message really goes, and why then. */
export interface SendNowAnswer extends FollowUp {
  send_at: string;
  send_at_local: string;
  zone: string;
  now: boolean;
  why: string;
}

export interface Duration {
  amount: number;
  unit: string;
}

export interface StepAi {
  instructions: string;
  extra?: string | null;
  approval?: boolean;
}

/** What `POST /api/rules/{id}/steps/{n}/sample` answers: the message written, not sent. */
export interface Sample {
  message: { kind: "text" | "template"; text?: string | null; template_name?: string | null; params: string[] } | null;
  ai: { used: boolean; fallback_reason?: string | null; guardrail?: string | null } | null;
}

/** What starts a rule, told apart by `kind`; fields the editor does not show are kept. */
export type Trigger =
  | { kind: "idle"; stages: string[]; idle: Duration; last_speaker?: string; [extra: string]: unknown }
  | { kind: "intent"; intents: string[] }
  | { kind: "stage_entered"; stages: string[] }
  | { kind: "event"; name: string; where?: Record<string, string> };

export interface Rule {
  id: string;
  name: string;
  version: number;
  active: boolean;
  /** Contacts whose sequence waits for the rule to be turned on again. */
  held?: number;
  send_anytime: boolean;
  trigger: Trigger;
  steps: {
    /** `send` when absent; `wait`, `branch` and `action` steps carry other fields. */
    kind?: string;
    wait: Duration;
    text?: string | null;
    template?: {
      name: string;
      language: string;
      params?: { field?: string | null; text?: string | null; default?: string; ai?: boolean }[];
    } | null;
    /** Ask the AI to write the message; the static text or template stays the fallback. */
    ai?: StepAi | null;
    [field: string]: unknown;
  }[];
  exit?: { on_reply: boolean; stages: string[]; events?: string[] };
  /** Filters on the contact; fields the editor does not show are kept. */
  conditions?: { scores?: string[]; tags?: string[]; [more: string]: unknown };
  goal?: { stages: string[]; events?: string[] };
  [extra: string]: unknown;
}

export interface Contact {
  id: string;
  name: string;
  wa_id: string | null;
  stage: string;
  score: string;
  timezone: string | null;
  opted_out: boolean;
  conversation_open: boolean;
  /** When the conversation was last closed or reopened, and by whom. */
  conversation_changed_at: string | null;
  conversation_changed_by: string | null;
}

export interface DryRunEntry {
  at: string;
  local: string;
  kind: string;
  step?: number;
  channel?: string;
  message?: { kind: string; text?: string; template_name?: string; params?: string[] };
  reason?: string;
  detail?: string;
  effect?: string;
}

export interface DryRun {
  zone: string;
  finished: boolean;
  timeline: DryRunEntry[];
}

export class Api {
  constructor(private readonly session: Session) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.session.apiUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.session.token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const error = parsed?.error ?? { code: "http", message: parsed?.message ?? response.statusText, details: [] };
      throw new ApiError(response.status, error.code, error.message, error.details ?? []);
    }
    return parsed as T;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>("GET", path);
  }
}

/** The API's objections to a request, by the field each names. */
export function problemsByField(error: unknown): Map<string, string[]> {
  const found = new Map<string, string[]>();
  if (error instanceof ApiError) {
    for (const { field, message } of error.details) {
      found.set(field, [...(found.get(field) ?? []), message]);
    }
  }
  return found;
}
