// Steps that send nothing: a wait, a branch on a condition, an action on the contact.
import { Checkbox, Group, NativeSelect, Stack, TextInput } from "@mantine/core";
import type { Duration } from "../../api";
import { useT } from "../../i18n/locale";
import { DurationInput, ListInput } from "./fields";
import {
  ACTIONS,
  type ActionName,
  type Condition,
  OPS,
  SCORES,
  type Step,
  TESTS,
  type Test,
  newAction,
  newCondition,
  testOf,
} from "./model";
import { type Problems, problemsAt } from "./problems";

interface Props {
  step: Step;
  index: number;
  count: number;
  path: string;
  problems: Problems;
  change: (edit: (step: Step) => void) => void;
}

type WaitMode = "for" | "until_time" | "until_attribute";
const modeOf = (step: Step): WaitMode =>
  step.until_time != null ? "until_time" : step.until_attribute != null ? "until_attribute" : "for";

export function WaitStep({ step, index, path, problems, change }: Props) {
  const t = useT();
  const n = index + 1;
  const at = (field: string, below = false) => problemsAt(problems, `${path}.${field}`, below);
  const mode = modeOf(step);
  const choose = (next: WaitMode) =>
    change((s) => {
      for (const field of ["for", "until_time", "until_attribute", "offset", "before"]) delete s[field];
      if (next === "for") s.for = { amount: 1, unit: "days" };
      if (next === "until_time") s.until_time = "09:00";
      if (next === "until_attribute") s.until_attribute = "";
    });
  return (
    <Stack gap="sm">
      <NativeSelect
        label={t("editor.wait.mode", { n })}
        value={mode}
        onChange={(e) => choose(e.currentTarget.value as WaitMode)}
        data={(["for", "until_time", "until_attribute"] as const).map((m) => ({ value: m, label: t(`editor.wait.${m}`) }))}
        error={at("kind")}
      />
      {mode === "for" && (
        <DurationInput
          label={t("editor.wait.duration", { n })}
          value={step.for ?? { amount: 1, unit: "days" }}
          change={(duration) => change((s) => (s.for = duration))}
          error={at("for", true)}
        />
      )}
      {mode === "until_time" && (
        <TextInput
          type="time"
          label={t("editor.wait.time", { n })}
          value={step.until_time ?? ""}
          onChange={(e) => change((s) => (s.until_time = e.currentTarget.value))}
          error={at("until_time")}
          w="10rem"
        />
      )}
      {mode === "until_attribute" && (
        <>
          <TextInput
            label={t("editor.wait.attribute", { n })}
            value={step.until_attribute ?? ""}
            onChange={(e) => change((s) => (s.until_attribute = e.currentTarget.value))}
            error={at("until_attribute")}
          />
          <DurationInput
            label={t("editor.wait.offset", { n })}
            value={(step.offset as Duration | undefined) ?? { amount: 0, unit: "days" }}
            change={(offset) => change((s) => (s.offset = offset.amount ? offset : null))}
            error={at("offset", true)}
          />
          <Checkbox
            label={t("editor.wait.before", { n })}
            checked={Boolean(step.before)}
            onChange={(e) => change((s) => (s.before = e.currentTarget.checked))}
          />
        </>
      )}
    </Stack>
  );
}

function ConditionFields({
  condition,
  n,
  error,
  change,
}: {
  condition: Condition;
  n: number;
  error?: string;
  change: (condition: Condition) => void;
}) {
  const t = useT();
  const test = testOf(condition);
  return (
    <Stack gap="xs">
      <NativeSelect
        label={t("editor.branch.test", { n })}
        value={test}
        onChange={(e) => change(newCondition(e.currentTarget.value as Test))}
        data={TESTS.map((k) => ({ value: k, label: t(`editor.test.${k}`) }))}
        error={error}
      />
      {test === "replied" && (
        <NativeSelect
          label={t("editor.branch.replied", { n })}
          value={condition.replied ? "yes" : "no"}
          onChange={(e) => change({ replied: e.currentTarget.value === "yes" })}
          data={[
            { value: "yes", label: t("editor.branch.repliedYes") },
            { value: "no", label: t("editor.branch.repliedNo") },
          ]}
        />
      )}
      {test === "stage" && (
        <ListInput
          label={t("editor.branch.stages", { n })}
          value={condition.stage ?? []}
          change={(stage) => change({ stage })}
        />
      )}
      {test === "score" && (
        <NativeSelect
          label={t("editor.branch.score", { n })}
          value={condition.score?.[0] ?? "hot"}
          onChange={(e) => change({ score: [e.currentTarget.value] })}
          data={SCORES.map((s) => ({ value: s, label: t(`editor.score.${s}`) }))}
        />
      )}
      {test === "tag" && (
        <TextInput
          label={t("editor.branch.tag", { n })}
          value={condition.tag ?? ""}
          onChange={(e) => change({ tag: e.currentTarget.value })}
        />
      )}
      {test === "attribute" && (
        <Group gap="xs" align="flex-start" wrap="wrap">
          <TextInput
            label={t("editor.branch.attribute", { n })}
            value={condition.attribute ?? ""}
            onChange={(e) => change({ ...condition, attribute: e.currentTarget.value })}
          />
          <NativeSelect
            label={t("editor.branch.op", { n })}
            value={condition.op ?? "eq"}
            onChange={(e) => change({ ...condition, op: e.currentTarget.value })}
            data={OPS.map((op) => ({ value: op, label: t(`editor.op.${op}`) }))}
          />
          {condition.op !== "exists" && (
            <TextInput
              label={t("editor.branch.value", { n })}
              value={condition.value ?? ""}
              onChange={(e) => change({ ...condition, value: e.currentTarget.value })}
            />
          )}
          <NativeSelect
            label={t("editor.branch.type", { n })}
            value={condition.type ?? "text"}
            onChange={(e) => change({ ...condition, type: e.currentTarget.value })}
            data={(["text", "number", "date"] as const).map((k) => ({ value: k, label: t(`editor.valueType.${k}`) }))}
          />
        </Group>
      )}
    </Stack>
  );
}

export function BranchStep({ step, index, count, path, problems, change }: Props) {
  const t = useT();
  const n = index + 1;
  const at = (field: string, below = false) => problemsAt(problems, `${path}.${field}`, below);
  const targets = Array.from({ length: count - index }, (_, k) => index + 1 + k).map((target) => ({
    value: String(target),
    label: target === count ? t("editor.branch.end") : t("editor.branch.toStep", { n: target + 1 }),
  }));
  return (
    <Stack gap="sm">
      {step.if != null && (
        <ConditionFields
          condition={step.if}
          n={n}
          error={at("if", true)}
          change={(condition) => change((s) => (s.if = condition))}
        />
      )}
      <NativeSelect
        label={t("editor.branch.then", { n })}
        data-part={`${path}.then`}
        value={String(step.then ?? index + 1)}
        onChange={(e) => change((s) => (s.then = Number(e.currentTarget.value)))}
        data={targets}
        error={at("then")}
      />
      {step.if != null && (
        <NativeSelect
          label={t("editor.branch.else", { n })}
          data-part={`${path}.else`}
          value={step.else == null ? "" : String(step.else)}
          onChange={(e) => change((s) => (s.else = e.currentTarget.value === "" ? null : Number(e.currentTarget.value)))}
          data={[{ value: "", label: t("editor.branch.next") }, ...targets]}
          error={at("else")}
        />
      )}
    </Stack>
  );
}

export function ActionStep({ step, index, path, problems, change }: Props) {
  const t = useT();
  const n = index + 1;
  const at = (field: string, below = false) => problemsAt(problems, `${path}.${field}`, below);
  const text = (field: string, label: string) => (
    <TextInput
      label={label}
      value={String(step[field] ?? "")}
      onChange={(e) => {
        const value = e.currentTarget.value;
        change((s) => (s[field] = value));
      }}
      error={at(field)}
    />
  );
  const name = (step.do ?? "add_tag") as ActionName;
  return (
    <Stack gap="sm">
      <NativeSelect
        label={t("editor.action.do", { n })}
        value={name}
        onChange={(e) => {
          const next = newAction(e.currentTarget.value as ActionName);
          change((s) => {
            for (const field of Object.keys(s)) delete s[field];
            Object.assign(s, next);
          });
        }}
        data={ACTIONS.map((a) => ({ value: a, label: t(`editor.action.${a}`) }))}
        error={at("do")}
      />
      {(name === "add_tag" || name === "remove_tag") && text("tag", t("editor.action.tag", { n }))}
      {name === "set_stage" && text("stage", t("editor.action.stage", { n }))}
      {name === "set_attribute" && (
        <>
          {text("attribute", t("editor.action.attribute", { n }))}
          {text("value", t("editor.action.value", { n }))}
        </>
      )}
      {name === "create_task" && (
        <>
          {text("title", t("editor.action.title", { n }))}
          {text("assignee", t("editor.action.assignee", { n }))}
          <DurationInput
            label={t("editor.action.due", { n })}
            value={(step.due as Duration | undefined) ?? { amount: 1, unit: "days" }}
            change={(due) => change((s) => (s.due = due))}
            error={at("due", true)}
          />
          <NativeSelect
            label={t("editor.action.priority", { n })}
            value={String(step.priority ?? "normal")}
            onChange={(e) => {
              const priority = e.currentTarget.value;
              change((s) => (s.priority = priority));
            }}
            data={[
              { value: "normal", label: t("editor.priority.normal") },
              { value: "urgent", label: t("editor.priority.urgent") },
            ]}
          />
        </>
      )}
      {name === "notify" && text("webhook", t("editor.action.webhook", { n }))}
    </Stack>
  );
}
