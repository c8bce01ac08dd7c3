// Small inputs the step editors share: a duration, a comma-separated list.
import { Group, NativeSelect, NumberInput, TextInput } from "@mantine/core";
import { useState } from "react";
import type { Duration } from "../../api";
import { useT } from "../../i18n/locale";
import { UNITS, listOf } from "./model";

export function DurationInput({
  label,
  value,
  change,
  error,
}: {
  label: string;
  value: Duration;
  change: (duration: Duration) => void;
  error?: string;
}) {
  const t = useT();
  return (
    <Group gap="xs" align="flex-start" wrap="wrap">
      <NumberInput
        label={t("editor.amountOf", { what: label })}
        min={0}
        value={value.amount}
        onChange={(amount) => change({ ...value, amount: Number(amount) || 0 })}
        error={error}
        miw="9rem"
      />
      <NativeSelect
        label={t("editor.unitOf", { what: label })}
        value={value.unit}
        onChange={(e) => change({ ...value, unit: e.currentTarget.value })}
        data={UNITS.map((unit) => ({ value: unit, label: t(`editor.unit.${unit}`) }))}
      />
    </Group>
  );
}

/** A list typed as "a, b, c": the text stays as typed while the list follows it. */
export function ListInput({
  label,
  value,
  change,
  error,
  description,
}: {
  label: string;
  value: string[];
  change: (list: string[]) => void;
  error?: string;
  description?: string;
}) {
  const [text, setText] = useState(value.join(", "));
  return (
    <TextInput
      label={label}
      description={description}
      value={text}
      error={error}
      onChange={(e) => {
        setText(e.currentTarget.value);
        change(listOf(e.currentTarget.value));
      }}
    />
  );
}
