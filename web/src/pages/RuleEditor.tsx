import { Button, Group } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate, useParams } from "react-router";
import {
  type Api,
  ApiError,
  type DryRun,
  type Problem,
  type Rule,
  type Sample,
  type StepAi,
  TRIGGER_KINDS,
  type Trigger,
  problemsByField,
} from "../api";
import { useT } from "../i18n/locale";
import { ErrorState, Loading } from "../problems";
import { useSession } from "../session";

const UNITS = ["minutes", "hours", "days", "weeks", "months"];
const INTENTS = [
  { intent: "busy", label: "Busy" },
  { intent: "call_back_at", label: "Call me back at a time" },
];

/** A fresh trigger of `kind`, keeping the stages of the one it replaces. */
function triggerOf(kind: Trigger["kind"], from: Trigger): Trigger {
  const stages = "stages" in from ? from.stages : [];
  switch (kind) {
    case "intent":
      return { kind, intents: ["busy"] };
    case "stage_entered":
      return { kind, stages };
    case "event":
      return { kind, name: "", where: {} };
    default:
      return { kind: "idle", stages, idle: { amount: 24, unit: "hours" } };
  }
}

function parseWhere(text: string): Record<string, string> {
  const where: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const [key, ...value] = pair.split("=");
    if (key.trim()) where[key.trim()] = value.join("=").trim();
  }
  return where;
}

const stagesOf = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function TriggerFields({
  trigger,
  problems,
  change,
}: {
  trigger: Trigger;
  problems: Map<string, string[]>;
  change: (trigger: Trigger) => void;
}) {
  const [whereText, setWhereText] = useState(
    trigger.kind === "event"
      ? Object.entries(trigger.where ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")
      : "",
  );
  return (
    <>
      <label>
        Trigger
        <select
          aria-label="Trigger"
          value={trigger.kind}
          onChange={(e) => change(triggerOf(e.target.value as Trigger["kind"], trigger))}
        >
          {TRIGGER_KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
        <Problems at="trigger" all={new Map([...problems].filter(([f]) => f === "trigger"))} />
      </label>
      {(trigger.kind === "idle" || trigger.kind === "stage_entered") && (
        <label>
          Stages (comma-separated)
          <input
            value={trigger.stages.join(", ")}
            onChange={(e) => change({ ...trigger, stages: stagesOf(e.target.value) })}
          />
          <Problems at="trigger.stages" all={problems} />
        </label>
      )}
      {trigger.kind === "idle" && (
        <label>
          Quiet for
          <span className="pair">
            <input
              type="number"
              aria-label="Quiet for (amount)"
              value={trigger.idle.amount}
              onChange={(e) => change({ ...trigger, idle: { ...trigger.idle, amount: Number(e.target.value) } })}
            />
            <select
              aria-label="Quiet for (unit)"
              value={trigger.idle.unit}
              onChange={(e) => change({ ...trigger, idle: { ...trigger.idle, unit: e.target.value } })}
            >
              {UNITS.map((u) => (
                <option key={u}>{u}</option>
              ))}
            </select>
          </span>
          <Problems at="trigger.idle" all={problems} />
        </label>
      )}
      {trigger.kind === "intent" && (
        <fieldset className="intents">
          <legend>Replies read as</legend>
          {INTENTS.map(({ intent, label }) => (
            <label key={intent} className="check">
              <input
                type="checkbox"
                checked={trigger.intents.includes(intent)}
                onChange={(e) =>
                  change({
                    ...trigger,
                    intents: e.target.checked
                      ? [...trigger.intents, intent]
                      : trigger.intents.filter((i) => i !== intent),
                  })
                }
              />
              {label}
            </label>
          ))}
          <Problems at="trigger.intents" all={problems} />
        </fieldset>
      )}
      {trigger.kind === "event" && (
        <>
          <label>
            Event name
            <input value={trigger.name} onChange={(e) => change({ ...trigger, name: e.target.value })} />
            <Problems at="trigger.name" all={problems} />
          </label>
          <label>
            Where (property=value, comma-separated)
            <input
              value={whereText}
              onChange={(e) => {
                setWhereText(e.target.value);
                change({ ...trigger, where: parseWhere(e.target.value) });
              }}
            />
            <Problems at="trigger.where" all={problems} />
          </label>
        </>
      )}
    </>
  );
}

interface Preview {
  now: number;
  next_hour: number;
  next_day: number;
  planned: { contact_id: string; name: string; send_at: string }[];
  estimated_cost_usd: number;
}

function blank(): Rule {
  return {
    id: "",
    name: "",
    version: 1,
    active: false,
    send_anytime: false,
    trigger: { kind: "idle", stages: ["new"], idle: { amount: 24, unit: "hours" } },
    steps: [{ wait: { amount: 0, unit: "minutes" }, text: "", template: { name: "", language: "en", params: [] } }],
    exit: { on_reply: true, stages: [] },
  };
}

function sampleText(sample: Sample): string {
  const message = sample.message;
  if (message === null) return "Nothing would be sent now (outside the 24 h window without a template).";
  if (message.kind === "text") return message.text ?? "";
  return `${message.template_name ?? "template"}: ${message.params.join(" | ")}`;
}

function SampleStep({ api, ruleId, index }: { api: Api; ruleId: string; index: number }) {
  const [contactId, setContactId] = useState("");
  const [sample, setSample] = useState<Sample | null>(null);
  const [error, setError] = useState("");
  const run = async () => {
    setError("");
    setSample(null);
    try {
      setSample(
        await api.call<Sample>("POST", `/api/rules/${encodeURIComponent(ruleId)}/steps/${index}/sample`, {
          contact_id: contactId.trim(),
        }),
      );
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  const label = `Step ${index + 1}`;
  return (
    <div className="sample" data-testid={`sample-${index}`}>
      <span className="pair">
        <input
          aria-label={`${label} sample contact id`}
          placeholder="contact id"
          value={contactId}
          onChange={(e) => setContactId(e.target.value)}
        />
        <button disabled={!contactId.trim()} onClick={run}>
          Sample for a contact
        </button>
      </span>
      {error && <small className="problem">{error}</small>}
      {sample && (
        <p className="sample-text">
          {sampleText(sample)}
          {sample.ai && !sample.ai.used && (
            <small className="warning">
              {" "}
              Fallback: {sample.ai.fallback_reason ?? "unknown"}
              {sample.ai.guardrail ? ` (${sample.ai.guardrail})` : ""}
            </small>
          )}
        </p>
      )}
    </div>
  );
}

function Problems({ at, all }: { at: string; all: Map<string, string[]> }) {
  const messages = [...all.entries()]
    .filter(([field]) => field === at || field.startsWith(`${at}.`))
    .flatMap(([, found]) => found);
  return messages.length ? (
    <small className="problem" data-field={at}>
      {messages.join("; ")}
    </small>
  ) : null;
}

/** A send step: the only kind this editor edits field by field. */
function sends(step: Rule["steps"][number]): boolean {
  return step.kind === undefined || step.kind === "send";
}

function DryRunPanel({ api, ruleId }: { api: Api; ruleId: string }) {
  const [contactId, setContactId] = useState("");
  const [days, setDays] = useState(14);
  const [run, setRun] = useState<DryRun | null>(null);
  const [error, setError] = useState("");
  const play = async () => {
    setError("");
    setRun(null);
    const who = contactId.trim() ? { contact_id: contactId.trim() } : { contact: {} };
    try {
      setRun(await api.call<DryRun>("POST", `/api/rules/${encodeURIComponent(ruleId)}/dry-run`, { ...who, days }));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  return (
    <div className="dry-run" data-testid="dry-run">
      <h3>Dry run</h3>
      <p className="hint">Plays this rule (as saved) on a virtual clock; nothing is sent or stored.</p>
      <span className="pair">
        <input
          aria-label="Dry run contact id"
          placeholder="contact id (empty: a test contact)"
          value={contactId}
          onChange={(e) => setContactId(e.target.value)}
        />
        <input
          type="number"
          aria-label="Dry run days"
          min={1}
          max={400}
          value={days}
          onChange={(e) => setDays(Number(e.target.value))}
        />
        <button onClick={play}>Dry run</button>
      </span>
      {error && <small className="problem">{error}</small>}
      {run && run.timeline.length === 0 && (
        <p>Nothing happens in this run: the rule's trigger does not fire for this contact.</p>
      )}
      {run && run.timeline.length > 0 && (
        <table>
          <caption>
            In {run.zone}; {run.finished ? "the journey ends within the run" : "still running at the end"}
          </caption>
          <thead>
            <tr>
              <th>When</th>
              <th>What</th>
              <th>Step</th>
              <th>Message or detail</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {run.timeline.map((entry, k) => (
              <tr key={k}>
                <td>{entry.local}</td>
                <td>{entry.channel && entry.kind === "send" ? `send (${entry.channel})` : entry.kind}</td>
                <td>{entry.step ?? ""}</td>
                <td>{entry.message?.text ?? entry.message?.template_name ?? entry.detail ?? ""}</td>
                <td>{[entry.reason, entry.effect].filter(Boolean).join(" · ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function RuleEditor({ api, rule, onDone }: { api: Api; rule: Rule | null; onDone: () => void }) {
  const [draft, setDraft] = useState<Rule>(rule ? structuredClone(rule) : blank());
  const [problems, setProblems] = useState<Map<string, string[]>>(new Map());
  const [message, setMessage] = useState("");
  const [warnings, setWarnings] = useState<Problem[]>([]);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [massSend, setMassSend] = useState("");
  const update = (change: (rule: Rule) => void) =>
    setDraft((current) => {
      const next = structuredClone(current);
      change(next);
      return next;
    });

  const body = (): Rule => {
    const copy = structuredClone(draft);
    delete copy.held; // shown in the list, not part of a rule
    copy.steps = copy.steps.map((step) =>
      sends(step)
        ? {
            ...step,
            text: step.text?.trim() ? step.text : null,
            template: step.template?.name.trim() ? step.template : null,
            ai: step.ai?.instructions.trim()
              ? { ...step.ai, extra: step.ai.extra?.trim() ? step.ai.extra : null }
              : null,
          }
        : step,
    );
    return copy;
  };

  const fail = (error: unknown) => {
    setProblems(problemsByField(error));
    setMessage(error instanceof Error ? error.message : String(error));
  };

  const save = async (confirm = false) => {
    setMessage("");
    setProblems(new Map());
    const suffix = confirm ? "?confirm=true" : "";
    try {
      const saved = rule
        ? await api.call<{ warnings: Problem[] }>("PUT", `/api/rules/${encodeURIComponent(rule.id)}${suffix}`, body())
        : await api.call<{ warnings: Problem[] }>("POST", `/api/rules${suffix}`, body());
      setMassSend("");
      if (saved.warnings.length) {
        setWarnings(saved.warnings);
        setMessage("Saved, with warnings.");
      } else {
        onDone();
      }
    } catch (error) {
      if (error instanceof ApiError && error.code === "mass_send") setMassSend(error.message);
      else fail(error);
    }
  };

  const runPreview = async () => {
    try {
      setPreview(await api.call<Preview>("POST", "/api/rules/preview", body()));
      setProblems(new Map());
      setMessage("");
    } catch (error) {
      fail(error);
    }
  };

  const setAi = (index: number, change: Partial<StepAi>) =>
    update((r) => {
      r.steps[index].ai = { ...(r.steps[index].ai ?? { instructions: "" }), ...change };
    });

  // At most one template parameter is written by the AI: choosing one unmarks the others.
  const setAiParam = (index: number, chosen: number | null) =>
    update((r) => {
      const template = r.steps[index].template;
      if (template?.params) template.params = template.params.map((p, k) => ({ ...p, ai: k === chosen }));
    });

  const step = draft.steps;
  return (
    <section className="editor">
      <h2>{rule ? `Edit ${rule.name}` : "New rule"}</h2>
      {message && <p role="alert">{message}</p>}
      <div className="fields">
        <label>
          Id
          <input value={draft.id} disabled={!!rule} onChange={(e) => update((r) => (r.id = e.target.value))} />
          <Problems at="id" all={problems} />
        </label>
        <label>
          Name
          <input value={draft.name} onChange={(e) => update((r) => (r.name = e.target.value))} />
          <Problems at="name" all={problems} />
        </label>
        <TriggerFields
          trigger={draft.trigger}
          problems={problems}
          change={(trigger) => update((r) => (r.trigger = trigger))}
        />
        <label className="check">
          <input
            type="checkbox"
            checked={draft.send_anytime}
            onChange={(e) => update((r) => (r.send_anytime = e.target.checked))}
          />
          Send at any time (ignore business hours)
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.active} onChange={(e) => update((r) => (r.active = e.target.checked))} />
          Active
        </label>
      </div>
      {step.map((s, index) =>
        !sends(s) ? (
          <fieldset key={index} data-testid={`step-${index}`}>
            <legend>
              Step {index + 1}: {s.kind}
            </legend>
            <p className="hint">Kept as it is on save; edit this kind of step through the API.</p>
            <pre>{JSON.stringify(s, null, 2)}</pre>
            <Problems at={`steps.${index}`} all={problems} />
          </fieldset>
        ) : (
        <fieldset key={index}>
          <legend>Step {index + 1}</legend>
          <Problems at={`steps.${index}`} all={new Map([...problems].filter(([f]) => f === `steps.${index}`))} />
          {warnings
            .filter((w) => w.field === `steps.${index}`)
            .map((w) => (
              <small key={w.message} className="warning">
                {w.message}
              </small>
            ))}
          <label>
            Wait
            <span className="pair">
              <input
                type="number"
                aria-label={`Step ${index + 1} wait (amount)`}
                value={s.wait.amount}
                onChange={(e) => update((r) => (r.steps[index].wait.amount = Number(e.target.value)))}
              />
              <select
                aria-label={`Step ${index + 1} wait (unit)`}
                value={s.wait.unit}
                onChange={(e) => update((r) => (r.steps[index].wait.unit = e.target.value))}
              >
                {UNITS.map((u) => (
                  <option key={u}>{u}</option>
                ))}
              </select>
            </span>
            <Problems at={`steps.${index}.wait`} all={problems} />
          </label>
          <label>
            Free text (inside the 24 h window)
            <textarea
              value={s.text ?? ""}
              onChange={(e) => update((r) => (r.steps[index].text = e.target.value))}
            />
            <Problems at={`steps.${index}.text`} all={problems} />
          </label>
          <label>
            Approved template
            <span className="pair">
              <input
                aria-label={`Step ${index + 1} template name`}
                placeholder="template name"
                value={s.template?.name ?? ""}
                onChange={(e) =>
                  update((r) => {
                    r.steps[index].template = { ...(r.steps[index].template ?? { language: "en", params: [] }), name: e.target.value };
                  })
                }
              />
              <input
                aria-label={`Step ${index + 1} template language`}
                value={s.template?.language ?? "en"}
                onChange={(e) =>
                  update((r) => {
                    r.steps[index].template = { ...(r.steps[index].template ?? { name: "", params: [] }), language: e.target.value };
                  })
                }
              />
            </span>
            <Problems at={`steps.${index}.template`} all={problems} />
          </label>
          {(s.template?.params ?? []).length > 0 && (
            <div className="params" role="group" aria-label={`Step ${index + 1} template parameters`}>
              <small>
                Outside the 24 h window the AI writes at most one template parameter (when the step has AI
                instructions); its field or text is the fallback.
              </small>
              {(s.template?.params ?? []).map((p, k) => (
                <label className="check" key={k}>
                  <input
                    type="checkbox"
                    aria-label={`Step ${index + 1} parameter ${k + 1} written by the AI`}
                    checked={p.ai ?? false}
                    onChange={(e) => setAiParam(index, e.target.checked ? k : null)}
                  />
                  {`{{${k + 1}}}`} {p.field ? `contact field ${p.field}` : `"${p.text ?? ""}"`}
                </label>
              ))}
            </div>
          )}
          <label>
            AI instructions (optional: the AI writes the message, the text or template above is the fallback)
            <textarea
              aria-label={`Step ${index + 1} AI instructions`}
              value={s.ai?.instructions ?? ""}
              onChange={(e) => setAi(index, { instructions: e.target.value })}
            />
            <Problems at={`steps.${index}.ai.instructions`} all={problems} />
          </label>
          <label>
            AI extra rules (special cases)
            <textarea
              aria-label={`Step ${index + 1} AI extra rules`}
              value={s.ai?.extra ?? ""}
              onChange={(e) => setAi(index, { extra: e.target.value })}
            />
            <Problems at={`steps.${index}.ai.extra`} all={problems} />
          </label>
          <label className="check">
            <input
              type="checkbox"
              aria-label={`Step ${index + 1} AI approval`}
              checked={s.ai?.approval ?? false}
              onChange={(e) => setAi(index, { approval: e.target.checked })}
            />
            A person approves each AI text before it is sent
          </label>
          {rule && <SampleStep api={api} ruleId={rule.id} index={index} />}
        </fieldset>
        ),
      )}
      {rule && <DryRunPanel api={api} ruleId={rule.id} />}
      <div className="toolbar">
        <button onClick={() => update((r) => r.steps.push(blank().steps[0]))}>Add step</button>
        <button onClick={runPreview}>Preview</button>
        <button className="primary" onClick={() => save()}>
          Save
        </button>
        <button onClick={onDone}>{warnings.length ? "Done" : "Cancel"}</button>
      </div>
      {massSend && (
        <div className="confirm" role="alertdialog" aria-label="Confirm mass send">
          <p>{massSend}</p>
          <button onClick={() => save(true)}>Save and activate anyway</button>
          <button onClick={() => setMassSend("")}>Cancel</button>
        </div>
      )}
      {preview && (
        <div className="preview" data-testid="preview">
          <p>
            Would message <strong>{preview.now}</strong> now, {preview.next_hour} more in the next hour and{" "}
            {preview.next_day} in the next day.
          </p>
          <p data-testid="preview-cost">
            Their first messages would cost about ${preview.estimated_cost_usd.toFixed(2)} at the rate card.
          </p>
          <ul>
            {preview.planned.slice(0, 20).map((p) => (
              <li key={p.contact_id}>
                {p.name || p.contact_id}: {new Date(p.send_at).toLocaleString()}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/** `/rules/new` and `/rules/:ruleId`: the editor on a fresh copy of the saved rule. */
export function RuleEditorPage() {
  const { api } = useSession();
  const t = useT();
  const { ruleId } = useParams();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const rule = useQuery({
    queryKey: ["rule", ruleId],
    queryFn: () => api.get<Rule>(`/api/rules/${encodeURIComponent(ruleId ?? "")}`),
    enabled: ruleId !== undefined,
  });
  const done = () => {
    queries.invalidateQueries({ queryKey: ["rules"] });
    queries.invalidateQueries({ queryKey: ["rule"] });
    navigate("/rules");
  };
  const back = (
    <Group>
      <Button variant="subtle" size="xs" onClick={() => navigate("/rules")}>
        {t("rules.back")}
      </Button>
    </Group>
  );
  if (ruleId === undefined) {
    return (
      <>
        {back}
        <RuleEditor api={api} rule={null} onDone={done} />
      </>
    );
  }
  if (rule.isError) {
    return (
      <>
        {back}
        <ErrorState error={rule.error} retry={() => rule.refetch()} />
      </>
    );
  }
  // Edit only what the server holds now, never a copy the cache kept from earlier.
  if (!rule.data || !rule.isFetchedAfterMount || rule.isFetching) return <Loading />;
  return (
    <>
      {back}
      <RuleEditor key={`${rule.data.id}-${rule.data.version}`} api={api} rule={rule.data} onDone={done} />
    </>
  );
}
