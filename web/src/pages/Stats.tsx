import { Fragment, useEffect, useState } from "react";
import type { Api } from "../api";

interface Row {
  rule_id: string;
  sent?: number;
  responded?: number;
  opted_out?: number;
  converted?: number;
  ai_messages?: number;
  ai_cost_usd: number;
  messaging_cost_usd: number;
  cost_per_reply: number | null;
  cost_per_conversion: number | null;
  response_rate: number;
  opt_out_rate: number;
  flags: string[];
}

interface Day {
  rule_id: string;
  day: string;
  sent?: number;
  responded?: number;
  opted_out?: number;
}

interface Counts {
  active: number;
  entered: number;
  completed: number;
  exited: number;
  exited_by: Record<string, number>;
  errors: number;
  sent: number;
  delivered: number;
  read: number;
  replied: number;
  converted: number;
  cost_usd: number;
  cost_per_reply: number | null;
}

interface StepRow extends Counts {
  version: number;
  index: number;
  kind: string;
}

interface Journey extends Counts {
  rule_id: string;
  version: number;
  steps: StepRow[];
}

const exits = (by: Record<string, number>) =>
  Object.entries(by)
    .map(([kind, count]) => `${kind.replace("_", " ")} ${count}`)
    .join(", ");

function StepCells({ row }: { row: Counts }) {
  return (
    <>
      <td data-col="active">{row.active}</td>
      <td data-col="entered">{row.entered}</td>
      <td data-col="completed">{row.completed}</td>
      <td data-col="exited" title={exits(row.exited_by)}>
        {row.exited}
        {row.exited ? <small> ({exits(row.exited_by)})</small> : null}
      </td>
      <td data-col="errors">{row.errors}</td>
      <td data-col="sent">{row.sent}</td>
      <td data-col="delivered">{row.delivered}</td>
      <td data-col="read">{row.read}</td>
      <td data-col="replied">{row.replied}</td>
      <td data-col="converted">{row.converted}</td>
      <td data-col="cost">{dollars(row.cost_usd)}</td>
      <td data-col="cost-per-reply">{perUnit(row.cost_per_reply)}</td>
    </>
  );
}

/** One journey per step: who is in each step now, and what each did over the period. */
function Steps({ api, ruleId, from, to }: { api: Api; ruleId: string; from: string; to: string }) {
  const [journey, setJourney] = useState<Journey | null>(null);
  const [problem, setProblem] = useState("");
  useEffect(() => {
    const query = `from=${from}&to=${to}`;
    api
      .get<Journey>(`/api/rules/${encodeURIComponent(ruleId)}/stats?${query}`)
      .then(setJourney, (error: Error) => setProblem(error.message));
  }, [api, ruleId, from, to]);
  if (problem) return <p role="alert">{problem}</p>;
  if (!journey) return <p className="loading">Loading…</p>;
  return (
    <table data-testid="journey-steps" data-id={ruleId}>
      <thead>
        <tr>
          <th>Step</th>
          <th title="Enrollments in it now">In it now</th>
          <th>Entered</th>
          <th>Completed</th>
          <th>Exited</th>
          <th>Errors</th>
          <th>Sent</th>
          <th>Delivered</th>
          <th>Read</th>
          <th>Replied</th>
          <th>Converted</th>
          <th title="Messaging and AI">Cost</th>
          <th>Cost / reply</th>
        </tr>
      </thead>
      <tbody>
        {journey.steps.map((step) => (
          <tr key={`${step.version}-${step.index}`} data-testid="step-row" data-step={step.index}>
            <td>
              {step.index + 1}. {step.kind}
              {step.version !== journey.version ? <small> (version {step.version})</small> : null}
            </td>
            <StepCells row={step} />
          </tr>
        ))}
        <tr data-testid="journey-total">
          <td>
            <strong>Journey</strong>
          </td>
          <StepCells row={journey} />
        </tr>
      </tbody>
    </table>
  );
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;
const dollars = (amount: number) => `$${amount.toFixed(amount && amount < 0.01 ? 4 : 2)}`;
const perUnit = (amount: number | null) => (amount === null ? "–" : dollars(amount));

function Chart({ days }: { days: Day[] }) {
  const totals = new Map<string, { sent: number; responded: number }>();
  for (const d of days) {
    const t = totals.get(d.day) ?? { sent: 0, responded: 0 };
    t.sent += d.sent ?? 0;
    t.responded += d.responded ?? 0;
    totals.set(d.day, t);
  }
  const series = [...totals.entries()].sort(([a], [b]) => a.localeCompare(b));
  if (!series.length) return <p className="empty">Nothing sent in this period.</p>;
  const top = Math.max(1, ...series.map(([, t]) => t.sent));
  const width = 40;
  return (
    <svg className="chart" viewBox={`0 0 ${series.length * width} 120`} role="img" aria-label="Sent and responded per day">
      {series.map(([day, t], i) => (
        <g key={day} transform={`translate(${i * width},0)`}>
          <rect className="sent" x={6} width={12} y={100 - (t.sent / top) * 90} height={(t.sent / top) * 90}>
            <title>{`${day}: ${t.sent} sent`}</title>
          </rect>
          <rect className="responded" x={20} width={12} y={100 - (t.responded / top) * 90} height={(t.responded / top) * 90}>
            <title>{`${day}: ${t.responded} responded`}</title>
          </rect>
          <text x={width / 2} y={114} textAnchor="middle">
            {day.slice(5)}
          </text>
        </g>
      ))}
    </svg>
  );
}

export function StatsPage({ api }: { api: Api }) {
  const [stats, setStats] = useState<{ from: string; to: string; rules: Row[]; days: Day[] } | null>(null);
  const [problem, setProblem] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    api.get<typeof stats>("/api/stats").then(setStats, (error: Error) => setProblem(error.message));
  }, [api]);
  if (problem) return <p role="alert">{problem}</p>;
  if (!stats) return <p className="loading">Loading…</p>;
  return (
    <section>
      <h2>
        Stats, {stats.from} to {stats.to}
      </h2>
      <table>
        <thead>
          <tr>
            <th>Rule</th>
            <th>Sent</th>
            <th>Response rate</th>
            <th>Opt-out rate</th>
            <th>Conversions</th>
            <th title="What the AI cost for the messages it wrote (or tried to write)">AI cost</th>
            <th title="What WhatsApp billed for the delivered messages">Messaging cost</th>
            <th title="Messaging and AI cost per reply">Cost / reply</th>
            <th title="Messaging and AI cost per conversion">Cost / conversion</th>
            <th>Review</th>
          </tr>
        </thead>
        <tbody>
          {stats.rules.map((row) => (
            <Fragment key={row.rule_id}>
              <tr data-testid="stats-row" data-id={row.rule_id}>
                <td>
                  {row.rule_id === "all" ? (
                    <strong>All rules</strong>
                  ) : (
                    <button
                      type="button"
                      className="link"
                      aria-expanded={open === row.rule_id}
                      onClick={() => setOpen(open === row.rule_id ? null : row.rule_id)}
                    >
                      {row.rule_id}
                    </button>
                  )}
                </td>
                <td>{row.sent ?? 0}</td>
                <td>{percent(row.response_rate)}</td>
                <td>{percent(row.opt_out_rate)}</td>
                <td>{row.converted ?? 0}</td>
                <td data-testid="ai-cost">
                  {row.ai_messages ? `${dollars(row.ai_cost_usd)} (${row.ai_messages} messages)` : "–"}
                </td>
                <td data-testid="messaging-cost">{dollars(row.messaging_cost_usd)}</td>
                <td>{perUnit(row.cost_per_reply)}</td>
                <td>{perUnit(row.cost_per_conversion)}</td>
                <td>
                  {row.flags.map((flag) => (
                    <span key={flag} className="flag">
                      {flag === "low_response" ? "< 5 % response" : flag === "high_opt_out" ? "> 2 % opt-out" : flag}
                    </span>
                  ))}
                </td>
              </tr>
              {open === row.rule_id ? (
                <tr>
                  <td colSpan={10}>
                    <Steps api={api} ruleId={row.rule_id} from={stats.from} to={stats.to} />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
      <h3>Per day</h3>
      <Chart days={stats.days} />
      <p className="legend">
        <span className="sent">■</span> sent <span className="responded">■</span> responded
      </p>
    </section>
  );
}
