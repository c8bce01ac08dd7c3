import { useCallback, useEffect, useState } from "react";
import type { Api, FollowUp, Rule, SendNowAnswer } from "../api";
import { localWhen, waitWords } from "../waiting";

interface Contact {
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

interface MessageIntent {
  intent: string;
  confidence: number;
  local: string | null;
  effect: string;
  suggested_stage: string | null;
}

interface Message {
  id: string;
  at: string;
  direction: string;
  speaker: string;
  text: string;
  intent: MessageIntent | null;
}

/** What a reply meant and what the engine did: "call_back_at 0.85 · 2026-11-25T10:00 · …". */
function intentWords(found: MessageIntent | null): string {
  if (!found) return "";
  const parts = [`${found.intent} ${found.confidence.toFixed(2)}`, found.local, found.effect];
  return parts.filter(Boolean).join(" · ");
}

export function ContactPage({ api, contactId }: { api: Api; contactId: string }) {
  const [contact, setContact] = useState<Contact | null>(null);
  const [timeline, setTimeline] = useState<{ messages: Message[]; followups: FollowUp[] } | null>(null);
  const [rules, setRules] = useState<Rule[]>([]);
  const [chosen, setChosen] = useState("");
  const [note, setNote] = useState("");
  const id = encodeURIComponent(contactId);

  const load = useCallback(async () => {
    setContact(await api.get<Contact>(`/api/contacts/${id}`));
    setTimeline(await api.get(`/api/contacts/${id}/timeline`));
  }, [api, id]);

  useEffect(() => {
    load().catch((error: Error) => setNote(error.message));
    // Only the rules that apply to this contact: active, their stages and conditions take them.
    api.get<{ rules: Rule[] }>(`/api/contacts/${id}/rules`).then((found) => setRules(found.rules));
  }, [api, id, load]);

  const sendNow = async () => {
    try {
      const answer = await api.call<SendNowAnswer>("POST", `/api/contacts/${id}/followups`, { rule_id: chosen });
      const goes = answer.now
        ? "Sending now"
        : answer.waiting_for_window
          ? `Goes ${localWhen(answer.send_at, answer.zone)} in the lead's time (${answer.zone})`
          : "Not sent now";
      setNote(`${goes}: ${answer.why}.`);
      await load();
    } catch (error) {
      setNote((error as Error).message);
    }
  };

  const setConversation = async (action: "close" | "reopen") => {
    try {
      setContact(await api.call<Contact>("POST", `/api/contacts/${id}/conversation/${action}`));
      setTimeline(await api.get(`/api/contacts/${id}/timeline`));
      // A closed conversation takes only the rules that send into closed ones.
      setRules((await api.get<{ rules: Rule[] }>(`/api/contacts/${id}/rules`)).rules);
      setChosen("");
      setNote("");
    } catch (error) {
      setNote((error as Error).message);
    }
  };

  if (!contact || !timeline) return <p className="loading">{note || "Loading…"}</p>;
  const scheduled = timeline.followups.filter((f) => f.status === "queued");
  const events = [
    ...timeline.messages.map((m) => ({
      at: m.at,
      kind: `${m.speaker} · ${m.direction}`,
      text: m.text,
      intent: intentWords(m.intent),
    })),
    ...timeline.followups
      .filter((f) => f.sent_at)
      .map((f) => ({ at: f.sent_at as string, kind: `follow-up · ${f.rule_id}`, text: f.status, intent: "" })),
    ...(contact.conversation_changed_at
      ? [
          {
            at: contact.conversation_changed_at,
            kind: "conversation",
            text: `${contact.conversation_open ? "reopened" : "closed"} by ${contact.conversation_changed_by}`,
            intent: "",
          },
        ]
      : []),
  ].sort((a, b) => b.at.localeCompare(a.at));
  return (
    <section>
      <h2>{contact.name || contact.id}</h2>
      <p>
        +{contact.wa_id} · stage {contact.stage} · {contact.score} · {contact.timezone ?? "workspace time zone"}
        {contact.opted_out && <strong> · opted out</strong>}
      </p>
      <p data-testid="conversation-state">
        Conversation {contact.conversation_open ? "open" : <strong>closed</strong>}
        {contact.conversation_changed_at &&
          ` · ${contact.conversation_open ? "reopened" : "closed"} by ${contact.conversation_changed_by} ${new Date(
            contact.conversation_changed_at,
          ).toLocaleString()}`}{" "}
        {contact.conversation_open ? (
          <button onClick={() => setConversation("close")}>Close conversation</button>
        ) : (
          <button onClick={() => setConversation("reopen")}>Reopen conversation</button>
        )}
      </p>
      <div className="toolbar">
        <select value={chosen} onChange={(e) => setChosen(e.target.value)} aria-label="Rule to send">
          <option value="">{rules.length ? "Pick a rule…" : "No active rule applies to this contact"}</option>
          {rules.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
        <button disabled={!chosen} onClick={sendNow}>
          Send follow-up now
        </button>
      </div>
      {note && <p role="status">{note}</p>}
      <h3>Scheduled</h3>
      {scheduled.length === 0 && <p className="empty">Nothing scheduled.</p>}
      <ul>
        {scheduled.map((f) => (
          <li key={f.id}>
            {f.rule_id}: {new Date(f.scheduled_at).toLocaleString()}
            {f.manual ? " (sent by hand)" : ` (quiet since ${new Date(f.created_at).toLocaleString()})`}
            {waitWords(f) && <small className="why-waiting">{waitWords(f)}</small>}
          </li>
        ))}
      </ul>
      <h3>Timeline</h3>
      <ol className="timeline">
        {events.map((e, i) => (
          <li key={i}>
            <time>{new Date(e.at).toLocaleString()}</time> <em>{e.kind}</em> {e.text}
            {e.intent && <small className="intent">{e.intent}</small>}
          </li>
        ))}
      </ol>
    </section>
  );
}
