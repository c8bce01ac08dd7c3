// The journey drawn as a flow, top to bottom: trigger, who, each step (a send's wait and its
// channels, a branch's two arms), exit and goal. Every node is a button that takes the builder
// to the element it draws; the arrow keys walk the nodes. It scrolls inside its own box, so a
// long journey never stretches the page, and reads on a phone as a single column.
import { Switch, Title } from "@mantine/core";
import { type KeyboardEvent, useId, useState } from "react";
import type { Rule } from "../../api";
import { known, useT } from "../../i18n/locale";
import { type Step, kindOf } from "./model";
import {
  type Conditions,
  type Goal,
  channelsOf,
  duration,
  exitWords,
  goalWords,
  stepWords,
  targetWords,
  triggerWords,
  whoWords,
} from "./words";

type Tone = "trigger" | "who" | "send" | "wait" | "branch" | "action" | "channel" | "arm" | "exit" | "goal";

const WALK: Record<string, (at: number, last: number) => number> = {
  ArrowDown: (at, last) => Math.min(at + 1, last),
  ArrowRight: (at, last) => Math.min(at + 1, last),
  ArrowUp: (at) => Math.max(at - 1, 0),
  ArrowLeft: (at) => Math.max(at - 1, 0),
  Home: () => 0,
  End: (_, last) => last,
};

function walk(event: KeyboardEvent<HTMLElement>) {
  const move = WALK[event.key];
  if (!move) return;
  const nodes = Array.from(event.currentTarget.querySelectorAll<HTMLButtonElement>("button[data-node]"));
  const at = nodes.indexOf(document.activeElement as HTMLButtonElement);
  if (at < 0) return;
  event.preventDefault();
  nodes[move(at, nodes.length - 1)]?.focus();
}

export function Canvas({
  rule,
  open,
  active,
}: {
  rule: Rule;
  /** Takes the builder to the part a node draws (`trigger`, `steps.2.then`); none: read only. */
  open?: (part: string) => void;
  /** The rule's on/off switch, shown above the flow. */
  active?: { on: boolean; change: (on: boolean) => void };
}) {
  const t = useT();
  const heading = useId();
  const [chosen, setChosen] = useState<string | null>(null);
  const steps = rule.steps as Step[];
  const total = steps.length;

  const node = (part: string, label: string, words: string) => {
    const inner = (
      <>
        <span className="node-label">{label}</span>
        <span className="node-words">{words}</span>
      </>
    );
    return open ? (
      <button
        type="button"
        className="node-body"
        data-node={part}
        aria-current={chosen === part ? "true" : undefined}
        onClick={() => {
          setChosen(part);
          open(part);
        }}
      >
        {inner}
      </button>
    ) : (
      <div className="node-body">{inner}</div>
    );
  };
  const item = (part: string, tone: Tone, label: string, words: string) => (
    <li key={part} className={`node node-${tone}`}>
      {node(part, label, words)}
    </li>
  );

  const stepItems = (step: Step, index: number) => {
    const path = `steps.${index}`;
    const kind = kindOf(step);
    const title = t("editor.stepTitle", { n: index + 1, kind: t(`editor.kind.${kind}`) });
    const items = [];
    if (kind === "send" && step.wait && step.wait.amount > 0) {
      items.push(item(`${path}.wait`, "wait", t("canvas.waitFirst"), duration(step.wait, t)));
    }
    items.push(item(path, kind, title, stepWords(step, total, t)));
    if (kind === "send") {
      const [first, ...fallbacks] = channelsOf(step).map((c) => known(`editor.channel.${c}`, t, c));
      const words = fallbacks.length ? t("canvas.channels.fallbacks", { first, fallbacks: fallbacks.join(", ") }) : t("canvas.channels.only", { first });
      items.push(item(`${path}.channel`, "channel", t("canvas.channels"), words));
    }
    if (kind === "branch") {
      const then = targetWords(step.then ?? total, total, t);
      const otherwise = step.else == null ? t("editor.branch.next") : targetWords(step.else, total, t);
      items.push(
        <li key={`${path}.arms`} className="node node-arms">
          <ul className="arms" aria-label={t("canvas.arms", { n: index + 1 })}>
            <li className="node node-arm">
              {node(`${path}.then`, step.if ? t("canvas.arm.yes") : t("canvas.arm.always"), then)}
            </li>
            {step.if && <li className="node node-arm">{node(`${path}.else`, t("canvas.arm.no"), otherwise)}</li>}
          </ul>
        </li>,
      );
    }
    return items;
  };

  return (
    <section className="canvas" aria-labelledby={heading} data-testid="canvas">
      <div className="canvas-head">
        <Title order={2} size="h4" id={heading}>
          {t("canvas.title")}
        </Title>
        {active && (
          <Switch label={t("editor.active")} checked={active.on} onChange={(e) => active.change(e.currentTarget.checked)} />
        )}
      </div>
      {open && <p className="canvas-hint">{t("canvas.hint")}</p>}
      <div className="canvas-box">
        <ol className="flow" onKeyDown={walk}>
          {item("trigger", "trigger", t("editor.trigger"), triggerWords(rule.trigger, t))}
          {item("conditions", "who", t("canvas.who"), whoWords(rule.conditions as Conditions | undefined, t))}
          {steps.flatMap(stepItems)}
          {item("exit", "exit", t("editor.exit"), exitWords(rule.exit, t))}
          {item("goal", "goal", t("canvas.goal"), goalWords(rule.goal as Goal | undefined, t))}
        </ol>
      </div>
    </section>
  );
}
