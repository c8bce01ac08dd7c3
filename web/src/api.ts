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
  /** A stable code for the problem (`from_after_to`, `too_long`...). */
  code?: string;
  /** The bounds the value broke, as pydantic names them (`max_length`, `ge`, `expected`...). */
  limits?: Record<string, number | string>;
  /** What the message names, for saying it in other words (`stage`, `template`, `wanted`...). */
  values?: Record<string, number | string>;
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

/** What went (or is to go) to the lead: a text, an email, or a template with its parameters. */
export interface Rendered {
  kind: "text" | "template" | "sms" | "email";
  text?: string | null;
  subject?: string | null;
  template_name?: string | null;
  language?: string | null;
  params: string[];
  /** A template's body with its parameters, as the lead reads it (when the catalogue has it). */
  body?: string | null;
}

export interface FollowUp {
  id: string;
  contact_id: string;
  rule_id: string;
  rule_version?: number;
  step_index?: number;
  channel?: string;
  /** The channels passed over and why (`bounced:email`, `email_unavailable: ses: <code>`). */
  skipped_channels?: string[];
  status: string;
  reason: string | null;
  /** `reason` as a stable code for translation (absent on rows pushed by the live feed). */
  reason_code?: string | null;
  error_code?: number | null;
  error_title: string | null;
  attempt?: number;
  /** The lead's name and number, read with the row (absent on rows pushed by the live feed). */
  contact_name?: string | null;
  contact_number?: string | null;
  rendered?: Rendered | null;
  /** `model`: the Claude model that answered, as it named itself. */
  ai?: {
    used: boolean;
    fallback_reason?: string | null;
    guardrail?: string | null;
    model?: string | null;
    cost_usd?: number;
  } | null;
  pricing?: { billable: boolean | null; category: string; cost_usd: number } | null;
  scheduled_at: string;
  created_at: string;
  /** When what caused it happened: the silence began, the reply, stage entry or event came,
   * the date came round (absent on rows pushed by the live feed). */
  silence_key?: string;
  sent_at: string | null;
  manual: boolean;
  history: { status: string; at: string; reason?: string | null }[];
  /** The AI-written message waiting for approval (reason `awaiting_approval`). */
  proposed?: (Rendered & { kind: "text" | "template"; text: string | null }) | null;
  /** When a person approved `proposed` (then the message that goes). */
  approved_at?: string | null;
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
  why_code: string;
}

/** A journey's step still to come for a contact; `at` null when it waits on the contact. */
export interface UpcomingStep {
  rule_id: string;
  rule_name: string;
  step: number;
  kind: string;
  does: string;
  due: string | null;
  at: string | null;
  local: string | null;
  zone: string;
  held: boolean;
  /** A rule's first step a counsellor sent by hand (or is sending); `at` is when. */
  by_hand: boolean;
  /** A send a pause holds until sending resumes: the workspace's, the number it goes from
   * (a WhatsApp send), or email's (an email). */
  paused: boolean;
  /** The pause holding it is email's (SES refused the account): it goes once an admin resumes email. */
  email_paused: boolean;
  /** What may put the send off at send time: the messaging limit, spent now, or the warm-up
   * cap of the new number it goes from. Other contacts' sends decide, so it is only "may". */
  may_defer: "messaging_limit" | "warm_up" | null;
  /** A step of the journey a date rule begins when the lead's date comes round. */
  starts: boolean;
}

export interface Task {
  id: string;
  contact_id: string;
  rule_id: string;
  step: number;
  title: string;
  assignee: string;
  due_at: string;
  priority: "normal" | "urgent";
  status: "open" | "done";
  created_at: string;
  done_at: string | null;
  /** The lead's name and number, read with the task (null once the lead is gone). */
  contact_name?: string | null;
  contact_number?: string | null;
}

/** What `POST /api/queue/cancel` answers for each id. */
export interface CancelResult {
  id: string;
  result: "cancelled" | "already_sent" | "already_ended" | "not_found" | string;
}

/** One change kept by the audit log: `action` is a code such as `rule.updated`. */
export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  before: string | null;
  after: string | null;
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

/** Every kind of trigger the app knows, in the order the builder offers them. */
export const TRIGGER_KINDS = ["idle", "intent", "stage_entered", "event", "date"] as const;

/** What starts a rule, told apart by `kind`; fields the editor does not show are kept. */
export type Trigger =
  | { kind: "idle"; stages: string[]; idle: Duration; last_speaker?: string; [extra: string]: unknown }
  | { kind: "intent"; intents: string[] }
  | { kind: "stage_entered"; stages: string[] }
  | { kind: "event"; name: string; where?: Record<string, string> }
  /** A date attribute coming round, moved by `offset` (before it when `before`), at the
   * lead's local `at` (HH:MM) that day, or at the moment itself when `at` is null. */
  | { kind: "date"; attribute: string; offset: Duration; before: boolean; at?: string | null };

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
  email?: string | null;
  stage: string;
  score: string;
  timezone: string | null;
  /** The zone its times are read in: its own, else its number's, else the workspace's. */
  zone?: string;
  attributes: Record<string, string>;
  tags: string[];
  created_at: string;
  opted_out: boolean;
  opted_out_at?: string | null;
  /** `contact` (their own STOP), a user who set do-not-contact, or null (an older opt-out). */
  opted_out_by?: string | null;
  /** The address an email to the contact hard-bounced from, and when: no email goes to
   * `email` while it is that address. Left out when none did. */
  email_bounce?: { address: string; at: string } | null;
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
  message?: { kind: string; text?: string; template_name?: string; params?: string[]; body?: string };
  reason?: string;
  detail?: string;
  effect?: string;
}

export interface DryRun {
  zone: string;
  finished: boolean;
  timeline: DryRunEntry[];
}

/** The answer's JSON; null when it has none, or is not JSON (a gateway's HTML error page),
 * so an error still says its status. */
function readJson(text: string): any {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The ID token to send now; given `refused`, a token the API just answered 401 to, one
 * renewed in its place when the sign-in can be renewed (else `refused` again). */
export type TokenSource = (refused?: string) => Promise<string>;

export class Api {
  constructor(
    private readonly session: Session,
    readonly token: TokenSource = async () => session.token,
  ) {}

  call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.send<T>(method, path, body === undefined ? undefined : JSON.stringify(body), "application/json");
  }

  /** `body` sent as it is, of `contentType` (a file to import). Refused for the sign-in,
   * it is sent once more with a renewed token, if there is one. */
  async send<T>(method: string, path: string, body: string | undefined, contentType: string): Promise<T> {
    const sent = await this.token();
    let response = await this.ask(method, path, body, contentType, sent);
    if (response.status === 401) {
      const renewed = await this.token(sent);
      if (renewed !== sent) response = await this.ask(method, path, body, contentType, renewed);
    }
    const text = await response.text();
    const parsed = readJson(text);
    if (!response.ok) {
      const error = parsed?.error ?? { code: "http", message: parsed?.message ?? response.statusText, details: [] };
      throw new ApiError(response.status, error.code, error.message, error.details ?? []);
    }
    if (text && parsed === null) {
      throw new ApiError(502, "unreadable", "the answer was not JSON", []);
    }
    return parsed as T;
  }

  private ask(method: string, path: string, body: string | undefined, contentType: string, token: string) {
    return fetch(`${this.session.apiUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "Content-Type": contentType }),
      },
      body,
    });
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>("GET", path);
  }
}
