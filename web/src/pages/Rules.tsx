import { useCallback, useEffect, useState } from "react";
import { type Api, ApiError, type Role, type Rule, describeTrigger } from "../api";
import { RuleEditor } from "./RuleEditor";

export function RulesPage({ api, role }: { api: Api; role: Role }) {
  const [rules, setRules] = useState<Rule[]>([]);
  const [editing, setEditing] = useState<Rule | "new" | null>(null);
  const [confirming, setConfirming] = useState<{ rule: Rule; message: string } | null>(null);
  const [problem, setProblem] = useState("");
  const canEdit = role !== "counselor";

  const reload = useCallback(
    () => api.get<{ rules: Rule[] }>("/api/rules").then((found) => setRules(found.rules)),
    [api],
  );
  useEffect(() => {
    reload().catch((error: Error) => setProblem(error.message));
  }, [reload]);

  const toggle = async (rule: Rule, confirm = false) => {
    setProblem("");
    try {
      const action = rule.active ? "deactivate" : "activate";
      await api.call("POST", `/api/rules/${encodeURIComponent(rule.id)}/${action}${confirm ? "?confirm=true" : ""}`);
      setConfirming(null);
      await reload();
    } catch (error) {
      if (error instanceof ApiError && error.code === "mass_send") setConfirming({ rule, message: error.message });
      else setProblem((error as Error).message);
    }
  };

  if (editing) {
    return (
      <RuleEditor
        api={api}
        rule={editing === "new" ? null : editing}
        onDone={() => {
          setEditing(null);
          reload();
        }}
      />
    );
  }
  return (
    <section>
      <div className="toolbar">
        <h2>Rules</h2>
        {canEdit && <button onClick={() => setEditing("new")}>New rule</button>}
      </div>
      {problem && <p role="alert">{problem}</p>}
      {confirming && (
        <div className="confirm" role="alertdialog" aria-label="Confirm mass send">
          <p>{confirming.message}</p>
          <button onClick={() => toggle(confirming.rule, true)}>Activate anyway</button>
          <button onClick={() => setConfirming(null)}>Cancel</button>
        </div>
      )}
      <table>
        <thead>
          <tr>
            <th>Active</th>
            <th>Rule</th>
            <th>Trigger</th>
            <th>Steps</th>
            <th>Version</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rules.map((rule) => (
            <tr key={rule.id} data-testid="rule-row" data-id={rule.id}>
              <td>
                <input
                  type="checkbox"
                  checked={rule.active}
                  disabled={!canEdit}
                  aria-label={`Active: ${rule.name}`}
                  onChange={() => toggle(rule)}
                />
                {rule.held ? <small title="their sequences resume when the rule is on again"> {rule.held} held</small> : null}
              </td>
              <td>
                <strong>{rule.name}</strong>
                <br />
                <small>{rule.id}</small>
              </td>
              <td>
                <span data-testid="trigger">{describeTrigger(rule.trigger)}</span>
              </td>
              <td>{rule.steps.length}</td>
              <td>v{rule.version}</td>
              <td>{canEdit && <button onClick={() => setEditing(rule)}>Edit</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
