import { useCallback, useEffect, useRef, useState } from "react";
import type { Api, FollowUp, Session } from "../api";
import { type FeedState, openFeed } from "../live";
import { waitWords, windowBanner } from "../waiting";

const STATUSES = ["", "queued", "sending", "sent", "delivered", "read", "responded", "expired", "failed", "canceled", "opted_out", "skipped"];

export function QueuePage({ api, session }: { api: Api; session: Session }) {
  const [rows, setRows] = useState<FollowUp[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const [rule, setRule] = useState("");
  const [feed, setFeed] = useState<FeedState>("connecting");
  const [problem, setProblem] = useState("");
  const [reload, setReload] = useState(0);
  const reloadTimer = useRef<number | undefined>(undefined);
  const shown = useRef<FollowUp[]>([]);
  useEffect(() => {
    shown.current = rows;
  }, [rows]);

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
        // A live change may land while the page is on its way: never let the older copy win.
        setRows((current) => {
          const seen = new Map(current.map((row) => [row.id, row]));
          return page.followups.map((row) => newest(seen.get(row.id), row));
        });
        setCursor(page.cursor);
        setProblem("");
      },
      (error: Error) => setProblem(error.message),
    );
  }, [query, reload]);

  // The feed does not say whether a queued follow-up waits for the send window: ask the API.
  const reloadSoon = useCallback(() => {
    window.clearTimeout(reloadTimer.current);
    reloadTimer.current = window.setTimeout(() => setReload((n) => n + 1), 1000);
  }, []);
  useEffect(() => () => window.clearTimeout(reloadTimer.current), []);

  useEffect(
    () =>
      openFeed(
        session.wsUrl,
        session.token,
        (changed) => {
          setRows((current) => {
            const byId = new Map(current.map((row) => [row.id, row]));
            const fresh = changed.filter(
              (f) => (!status || f.status === status) && (!rule || f.rule_id === rule),
            );
            for (const f of fresh) byId.set(f.id, stillWaiting(f, byId.get(f.id)));
            const added = fresh.filter((f) => !current.some((row) => row.id === f.id));
            return [...added.map((f) => byId.get(f.id) ?? f), ...current.map((row) => byId.get(row.id) ?? row)];
          });
          const unknown = (f: FollowUp) =>
            f.status === "queued" &&
            !shown.current.some((row) => row.id === f.id && row.scheduled_at === f.scheduled_at);
          if (changed.some(unknown)) reloadSoon();
        },
        setFeed,
      ),
    [session, status, rule, reloadSoon],
  );
  const banner = windowBanner(rows);

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
      {banner && (
        <p className="waiting-banner" data-testid="window-banner">
          {banner}
        </p>
      )}
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
              <td>
                {new Date(f.scheduled_at).toLocaleString()}
                {waitWords(f) && <small className="why-waiting">{waitWords(f)}</small>}
              </td>
              <td>
                <span className={`status ${f.status}`}>{f.status}</span>
              </td>
              <td>
                {f.error_title ?? f.reason ?? ""}
                {f.reason === "awaiting_approval" && f.proposed && (
                  <Approval
                    api={api}
                    followup={f}
                    canDecide={session.role !== "counselor"}
                    onDone={(changed) => setRows((current) => current.map((row) => (row.id === changed.id ? changed : row)))}
                  />
                )}
              </td>
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

/** A follow-up from the feed keeps what the API said about its wait while it still waits so. */
function stillWaiting(fresh: FollowUp, known: FollowUp | undefined): FollowUp {
  if (!known || fresh.status !== "queued" || fresh.scheduled_at !== known.scheduled_at) return fresh;
  const { waiting_for_window, opens_at, opens_at_local, zone, window } = known;
  return { ...fresh, waiting_for_window, opens_at, opens_at_local, zone, window };
}

/** The proposed AI text, with Approve / Edit / Reject for admin and marketing. */
function Approval({
  api,
  followup,
  canDecide,
  onDone,
}: {
  api: Api;
  followup: FollowUp;
  canDecide: boolean;
  onDone: (changed: FollowUp) => void;
}) {
  const proposed = followup.proposed;
  const [editing, setEditing] = useState<string | null>(null);
  const [problem, setProblem] = useState("");
  if (!proposed) return null;
  const words = proposed.kind === "text" ? (proposed.text ?? "") : proposed.params.join(" · ");
  const decide = (action: "approve" | "reject", body?: { text?: string }) =>
    api.call<FollowUp>("POST", `/api/followups/${encodeURIComponent(followup.id)}/${action}`, body).then(onDone, (error: Error) => setProblem(error.message));
  return (
    <div className="approval" data-testid="approval">
      <blockquote data-testid="proposed">{words}</blockquote>
      {canDecide && editing === null && (
        <>
          <button className="primary" onClick={() => decide("approve", {})}>
            Approve
          </button>{" "}
          {proposed.kind === "text" && <button onClick={() => setEditing(proposed.text ?? "")}>Edit</button>}{" "}
          <button onClick={() => decide("reject")}>Reject</button>
        </>
      )}
      {canDecide && editing !== null && (
        <>
          <textarea aria-label="Edited text" value={editing} onChange={(e) => setEditing(e.target.value)} />
          <button className="primary" onClick={() => decide("approve", { text: editing })}>
            Approve edited
          </button>{" "}
          <button onClick={() => setEditing(null)}>Cancel</button>
        </>
      )}
      {problem && <p role="alert">{problem}</p>}
    </div>
  );
}

/** The further along of two copies of a follow-up (its status history only grows). */
function newest(live: FollowUp | undefined, fetched: FollowUp): FollowUp {
  return live && live.history.length > fetched.history.length ? live : fetched;
}
