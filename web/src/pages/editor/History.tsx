// A rule's versions: who saved each and when, any two compared in plain words (not field
// paths and JSON), and an older one brought back into the builder to be saved as the next
// version.
import { Button, Group, List, NativeSelect, Paper, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useIntl } from "react-intl";
import type { Api, Rule } from "../../api";
import { useFormat } from "../../format";
import { known, useT } from "../../i18n/locale";
import { ErrorState, Loading } from "../../problems";
import { useWorkspaceZone } from "../../session";
import type { Step } from "./model";
import { isDuration, duration, stepWords, targetWords, triggerWords } from "./words";

export interface Change {
  path: string;
  kind: "added" | "removed" | "changed";
  before: unknown;
  after: unknown;
}

type T = ReturnType<typeof useT>;

/** One version as the API lists it: the rule, who saved it and when (null when the API
 * did not record it: a version seeded outside it). */
type Version = Rule & { saved_by: string | null; saved_at: string | null };

/** The last name in a field path that is not a position in a list (`steps.0.fallbacks.1`: `fallbacks`). */
function lastName(names: string[]): string {
  return [...names].reverse().find((p) => !/^\d+$/.test(p)) ?? names.join(".");
}

/** A field's name in words; a weekday of the send window's hours by its name. */
function fieldWords(name: string, t: T): string {
  return known(`history.field.${name}`, t, known(`settings.weekday.${name}`, t, name.replaceAll("_", " ")));
}

/** The catalogue prefix whose messages name a field's coded values, by the field's name. */
const CODED: Record<string, string> = {
  op: "editor.op",
  priority: "editor.priority",
  score: "editor.score",
  scores: "editor.score",
  do: "editor.action",
  type: "editor.valueType",
  last_speaker: "history.speaker",
  policy: "history.policy",
  blackout_days: "settings.weekday",
};

/** What a field path names: a step's field, or a part of the rule. */
function place(path: string, t: T): string {
  const parts = path.split(".");
  const field = (names: string[]) => {
    const last = lastName(names);
    const param = names.indexOf("params");
    const words = fieldWords(last, t);
    return param >= 0 && names[param + 1] !== undefined
      ? t("history.param", { k: Number(names[param + 1]) + 1, field: words })
      : words;
  };
  if (parts[0] === "steps" && parts.length > 1) {
    const n = Number(parts[1]) + 1;
    return parts.length === 2 ? t("editor.branch.toStep", { n }) : t("history.inStep", { n, field: field(parts.slice(2)) });
  }
  const section = known(`history.section.${parts[0]}`, t, parts[0]);
  return parts.length === 1 ? section : t("history.inSection", { section, field: field(parts.slice(1)) });
}

function useValueWords(total: number): (value: unknown, path: string) => string {
  const t = useT();
  const intl = useIntl();
  const words = (value: unknown, path: string): string => {
    if (value === null || value === undefined) return t("history.nothing");
    if (typeof value === "boolean") return t(value ? "history.yes" : "history.no");
    if (typeof value === "number") {
      return /\.(then|else)$/.test(path) ? targetWords(value, total, t) : intl.formatNumber(value);
    }
    if (typeof value === "string") {
      const coded = CODED[lastName(path.split("."))] ?? "editor.channel";
      return `“${known(`${coded}.${value}`, t, value)}”`;
    }
    if (Array.isArray(value)) return value.map((v) => words(v, path)).join(", ");
    if (isDuration(value)) return duration(value, t);
    if (/^steps\.\d+$/.test(path)) return stepWords(value as Step, total, t);
    if (path === "trigger" && typeof value === "object" && "kind" in value) return triggerWords(value as Rule["trigger"], t);
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${fieldWords(k, t)}: ${words(v, `${path}.${k}`)}`)
      .join("; ");
  };
  return words;
}

export function ChangeList({ changes, total }: { changes: Change[]; total: number }) {
  const t = useT();
  const words = useValueWords(total);
  if (changes.length === 0) return <Text size="sm">{t("history.same")}</Text>;
  return (
    <List size="sm" spacing={4} data-testid="diff">
      {changes.map((change) => {
        const where = place(change.path, t);
        const sentence =
          change.kind === "added"
            ? t("history.added", { where, value: words(change.after, change.path) })
            : change.kind === "removed"
              ? t("history.removed", { where, value: words(change.before, change.path) })
              : t("history.changed", { where, before: words(change.before, change.path), after: words(change.after, change.path) });
        return <List.Item key={change.path}>{sentence}</List.Item>;
      })}
    </List>
  );
}

export function History({ api, rule, restore }: { api: Api; rule: Rule; restore: (version: Rule) => void }) {
  const t = useT();
  const id = encodeURIComponent(rule.id);
  const format = useFormat();
  const zone = useWorkspaceZone() ?? "UTC";
  const versions = useQuery({
    queryKey: ["rule-versions", rule.id, rule.version],
    queryFn: () => api.get<{ versions: Version[] }>(`/api/rules/${id}/versions`),
  });
  const [from, setFrom] = useState(Math.max(rule.version - 1, 1));
  const [to, setTo] = useState(rule.version);
  const diff = useQuery({
    queryKey: ["rule-diff", rule.id, from, to],
    queryFn: () => api.get<{ changes: Change[] }>(`/api/rules/${id}/diff?from=${from}&to=${to}`),
    enabled: rule.version > 1,
  });
  const all = [...(versions.data?.versions ?? [])].sort((a, b) => b.version - a.version);
  const options = all.map((v) => ({
    value: String(v.version),
    label: v.version === rule.version ? t("history.current", { version: v.version }) : t("history.version", { version: v.version }),
  }));
  const older = all.find((v) => v.version === from);
  const newer = all.find((v) => v.version === to);
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="history-title" data-testid="history">
      <Title order={3} size="h4" id="history-title">
        {t("history.title")}
      </Title>
      {versions.isError && <ErrorState error={versions.error} retry={() => versions.refetch()} />}
      {versions.isLoading && <Loading />}
      {rule.version === 1 && <Text size="sm">{t("history.onlyOne")}</Text>}
      {all.length > 0 && (
        <List size="sm" spacing={2} mt="xs" aria-label={t("history.saves")} data-testid="versions">
          {all.map((v) => (
            <List.Item key={v.version} data-testid="version-saved">
              {v.saved_by && v.saved_at
                ? t("history.saved", {
                    version: v.version,
                    who: v.saved_by,
                    when: t("time.inZone", { time: format.dateTime(v.saved_at, zone), zone }),
                  })
                : t("history.savedUnknown", { version: v.version })}
            </List.Item>
          ))}
        </List>
      )}
      {versions.data && rule.version > 1 && (
        <Stack gap="sm" mt="xs">
          <Group gap="sm" align="flex-end" wrap="wrap">
            <NativeSelect label={t("history.from")} value={String(from)} onChange={(e) => setFrom(Number(e.currentTarget.value))} data={options} />
            <NativeSelect label={t("history.to")} value={String(to)} onChange={(e) => setTo(Number(e.currentTarget.value))} data={options} />
          </Group>
          <Text size="sm" fw={600}>
            {t("history.between", { from, to })}
          </Text>
          {diff.isError && <ErrorState error={diff.error} retry={() => diff.refetch()} />}
          {diff.isLoading && <Loading />}
          {diff.data && <ChangeList changes={diff.data.changes} total={newer?.steps.length ?? 0} />}
          <Group gap="xs" wrap="wrap">
            {[older, newer]
              .filter((v): v is Version => v !== undefined && v.version !== rule.version)
              .filter((v, k, kept) => kept.findIndex((w) => w.version === v.version) === k)
              .map((v) => (
                <Button key={v.version} size="xs" variant="default" onClick={() => restore(asRule(v))}>
                  {t("history.restore", { version: v.version })}
                </Button>
              ))}
          </Group>
        </Stack>
      )}
    </Paper>
  );
}

/** The rule of a version, without who saved it and when (the builder saves a rule). */
function asRule(version: Version): Rule {
  const { saved_by: _by, saved_at: _at, ...rule } = version;
  return rule;
}
