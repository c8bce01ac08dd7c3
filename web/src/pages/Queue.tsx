import { useCallback, useEffect, useState } from "react";
import type { Api, FollowUp, Session } from "../api";
import { type FeedState, openFeed } from "../live";

const STATUSES = ["", "queued", "sending", "sent", "delivered", "read", "responded", "expired", "failed", "canceled", "opted_out", "skipped"];

export function QueuePage({ api, session }: { api: Api; session: Session }) {
  const [rows, setRows] = useState<FollowUp[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const [rule, setRule] = useState("");
  const [feed, setFeed] = useState<FeedState>("connecting");
  const [problem, setProblem] = useState("");

  const query = useCallback(
    (after?: string | null) => {
      const params = new URLSearchParams({ limit: "50" });
      if (status) params.set("status", status);
      if (rule) params.set("rule", rule);
      if (after) params.set("cursor", after);
      return api.get<{ followups: FollowUp[]; cursor: string | null }>(`/api/queue?${params}`);
    },
    [api, status, rule],
  );

  useEffect(() => {
    query().then(
      (page) => {
        setRows(page.followups);
        setCursor(page.cursor);
        setProblem("");
      },
      (error: Error) => setProblem(error.message),
    );
  }, [query]);

  useEffect(
    () =>
      openFeed(
        session.wsUrl,
        session.token,
        (changed) =>
          setRows((current) => {
            const byId = new Map(current.map((row) => [row.id, row]));
            const fresh = changed.filter(
              (f) => (!status || f.status === status) && (!rule || f.rule_id === rule),
            );
            for (const f of fresh) byId.set(f.id, f);
            const added = fresh.filter((f) => !current.some((row) => row.id === f.id));
            return [...added, ...current.map((row) => byId.get(row.id) ?? row)];
          }),
        setFeed,
      ),
    [session, status, rule],
  );

  return (
    <section>
      <div className="toolbar">
        <label>
          Status{" "}
          <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="Status">
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s || "any"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Rule <input value={rule} onChange={(e) => setRule(e.target.value.trim())} placeholder="rule id" />
        </label>
        <span className={`feed ${feed}`} role="status" data-state={feed}>
          {feed === "live" ? "● Live" : feed === "connecting" ? "Connecting…" : "Disconnected — reconnecting"}
        </span>
      </div>
      {problem && <p role="alert">{problem}</p>}
      <table>
        <thead>
          <tr>
            <th>Contact</th>
            <th>Rule</th>
            <th>Scheduled</th>
            <th>Status</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((f) => (
            <tr key={f.id} data-testid="followup-row" data-id={f.id} data-status={f.status}>
              <td>
                <a href={`#/contacts/${encodeURIComponent(f.contact_id)}`}>{f.contact_id}</a>
              </td>
              <td>{f.rule_id}</td>
              <td>{new Date(f.scheduled_at).toLocaleString()}</td>
              <td>
                <span className={`status ${f.status}`}>{f.status}</span>
              </td>
              <td>{f.error_title ?? f.reason ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <p className="empty">No follow-ups in the last 7 days.</p>}
      {cursor && (
        <button
          onClick={() =>
            query(cursor).then((page) => {
              setRows((current) => [...current, ...page.followups]);
              setCursor(page.cursor);
            })
          }
        >
          Load more
        </button>
      )}
    </section>
  );
}
