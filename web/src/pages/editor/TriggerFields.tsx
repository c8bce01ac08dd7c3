// What starts the journey: a silence, a reply's intent, a stage entered, a custom event, a
// date coming round.
import { Checkbox, Fieldset, NativeSelect, Stack, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { TRIGGER_KINDS, type Trigger } from "../../api";
import { useT } from "../../i18n/locale";
import { DurationInput, ListInput } from "./fields";
import { type Problems, problemsAt } from "./problems";

const INTENTS = ["busy", "call_back_at"] as const;

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
    case "date":
      return { kind, attribute: "", offset: { amount: 1, unit: "days" }, before: true, at: "09:00" };
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

export function TriggerFields({
  trigger,
  problems,
  change,
}: {
  trigger: Trigger;
  problems: Problems;
  change: (trigger: Trigger) => void;
}) {
  const t = useT();
  const at = (field: string, below = false) => problemsAt(problems, field, below);
  const [whereText, setWhereText] = useState(
    trigger.kind === "event"
      ? Object.entries(trigger.where ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")
      : "",
  );
  const known = (TRIGGER_KINDS as readonly string[]).includes(trigger.kind);
  return (
    <Stack gap="sm">
      <NativeSelect
        label={t("editor.trigger")}
        value={trigger.kind}
        onChange={(e) => change(triggerOf(e.currentTarget.value as Trigger["kind"], trigger))}
        data={[
          ...TRIGGER_KINDS.map((kind) => ({ value: kind, label: t(`editor.trigger.${kind}`) })),
          ...(known ? [] : [{ value: trigger.kind, label: trigger.kind }]),
        ]}
        error={at("trigger")}
      />
      {!known && <Text size="sm">{t("editor.trigger.kept")}</Text>}
      {(trigger.kind === "idle" || trigger.kind === "stage_entered") && (
        <ListInput
          label={t("editor.trigger.stages")}
          value={trigger.stages}
          change={(stages) => change({ ...trigger, stages })}
          error={at("trigger.stages", true)}
        />
      )}
      {trigger.kind === "idle" && (
        <DurationInput
          label={t("editor.trigger.quietFor")}
          value={trigger.idle}
          change={(idle) => change({ ...trigger, idle })}
          error={at("trigger.idle", true)}
        />
      )}
      {trigger.kind === "intent" && (
        <Fieldset legend={t("editor.trigger.intents")}>
          {INTENTS.map((intent) => (
            <Checkbox
              key={intent}
              mb="xs"
              label={t(`intent.${intent}`)}
              checked={trigger.intents.includes(intent)}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                change({
                  ...trigger,
                  intents: on ? [...trigger.intents, intent] : trigger.intents.filter((i) => i !== intent),
                });
              }}
            />
          ))}
          {at("trigger.intents", true) && (
            <Text size="sm" c="red.9">
              {at("trigger.intents", true)}
            </Text>
          )}
        </Fieldset>
      )}
      {trigger.kind === "event" && (
        <>
          <TextInput
            label={t("editor.trigger.eventName")}
            value={trigger.name}
            onChange={(e) => change({ ...trigger, name: e.currentTarget.value })}
            error={at("trigger.name")}
          />
          <TextInput
            label={t("editor.trigger.where")}
            value={whereText}
            onChange={(e) => {
              setWhereText(e.currentTarget.value);
              change({ ...trigger, where: parseWhere(e.currentTarget.value) });
            }}
            error={at("trigger.where", true)}
          />
        </>
      )}
      {trigger.kind === "date" && (
        <>
          <TextInput
            label={t("editor.trigger.attribute")}
            description={t("editor.trigger.attributeHint")}
            value={trigger.attribute}
            onChange={(e) => change({ ...trigger, attribute: e.currentTarget.value })}
            error={at("trigger.attribute")}
          />
          <DurationInput
            label={t("editor.trigger.offset")}
            value={trigger.offset}
            change={(offset) => change({ ...trigger, offset })}
            error={at("trigger.offset", true)}
          />
          <NativeSelect
            label={t("editor.trigger.side")}
            value={trigger.before ? "before" : "after"}
            onChange={(e) => change({ ...trigger, before: e.currentTarget.value === "before" })}
            data={(["before", "after"] as const).map((side) => ({
              value: side,
              label: t(`editor.trigger.side.${side}`),
            }))}
            w="fit-content"
          />
          <TextInput
            label={t("editor.trigger.at")}
            description={t("editor.trigger.atHint")}
            placeholder="09:00"
            value={trigger.at ?? ""}
            onChange={(e) => change({ ...trigger, at: e.currentTarget.value.trim() || null })}
            error={at("trigger.at")}
          />
        </>
      )}
    </Stack>
  );
}
