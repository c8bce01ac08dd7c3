// One journey over the period: its funnel, and per step who is in it now and what each did.
import { BarChart } from "@mantine/charts";
import { Button, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useFormat } from "../../format";
import type { MessageId } from "../../i18n/en";
import { known, useT } from "../../i18n/locale";
import { ErrorState, Loading } from "../../problems";
import { useSession } from "../../session";
import { readableCode } from "../../waiting";
import { download, toCsv } from "./csv";

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
  opted_out: number;
  cost_usd: number;
  cost_per_reply: number | null;
  cost_per_conversion: number | null;
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

type Column = "active" | "entered" | "completed" | "exited" | "errors" | "opted_out" | FunnelStage;
type FunnelStage = "sent" | "delivered" | "read" | "replied" | "converted";

const FUNNEL: { stage: FunnelStage; label: MessageId; color: string }[] = [
  { stage: "sent", label: "stats.sent", color: "teal.8" },
  { stage: "delivered", label: "stats.delivered", color: "blue.8" },
  { stage: "read", label: "stats.read", color: "indigo.7" },
  { stage: "replied", label: "stats.replied", color: "grape.8" },
  { stage: "converted", label: "stats.converted", color: "orange.9" },
];

const COLUMNS: { col: Column; label: MessageId }[] = [
  { col: "active", label: "stats.inNow" },
  { col: "entered", label: "stats.entered" },
  { col: "completed", label: "stats.completed" },
  { col: "exited", label: "stats.exited" },
  ...FUNNEL.map(({ stage, label }) => ({ col: stage, label })),
  { col: "opted_out", label: "stats.optedOut" },
  { col: "errors", label: "stats.errors" },
];

const COSTS: { col: "cost_usd" | "cost_per_reply" | "cost_per_conversion"; label: MessageId }[] = [
  { col: "cost_usd", label: "stats.cost" },
  { col: "cost_per_reply", label: "stats.costPerReply" },
  { col: "cost_per_conversion", label: "stats.costPerConversion" },
];

const EXIT_KINDS = new Set(["goal", "exit", "replied", "opted_out", "closed", "gated", "unreachable", "error", "other"]);
const STEP_KINDS = new Set(["send", "wait", "branch", "action"]);

/** An exit's kind in the chosen language (a kind this app does not know yet, as the API names it). */
const exitKind = (t: ReturnType<typeof useT>, kind: string) =>
  EXIT_KINDS.has(kind) ? t(`stats.exitKind.${kind}` as MessageId) : kind.replaceAll("_", " ");

const exits = (t: ReturnType<typeof useT>, by: Record<string, number>) =>
  Object.entries(by)
    .map(([kind, count]) => `${exitKind(t, kind)} ${count}`)
    .join(", ");

function Cells({ row }: { row: Counts }) {
  const t = useT();
  const format = useFormat();
  return (
    <>
      {COLUMNS.map(({ col, label }) => (
        <Table.Td key={col} data-col={col} data-label={t(label)}>
          {format.number(row[col])}
          {col === "exited" && row.exited ? <small> ({exits(t, row.exited_by)})</small> : null}
        </Table.Td>
      ))}
      {COSTS.map(({ col, label }) => (
        <Table.Td key={col} data-col={col} data-label={t(label)}>
          {row[col] === null ? "–" : format.dollars(row[col])}
        </Table.Td>
      ))}
    </>
  );
}

/** Sent → delivered → read → replied → converted, one bar each, for the whole journey. */
function Funnel({ journey }: { journey: Journey }) {
  const t = useT();
  const format = useFormat();
  const data = FUNNEL.map(({ stage, label }) => ({ stage: t(label), count: journey[stage] }));
  const words = FUNNEL.map(({ stage, label }) => `${t(label)} ${format.number(journey[stage])}`).join(", ");
  return (
    <div role="img" aria-label={t("stats.funnelLabel", { counts: words })} data-testid="journey-funnel">
      <BarChart
        h={220}
        data={data}
        dataKey="stage"
        xAxisLabel={t("stats.stage")}
        yAxisLabel={t("stats.count")}
        valueFormatter={format.number}
        withLegend
        series={[{ name: "count", label: t("stats.journey"), color: "teal.8" }]}
      />
    </div>
  );
}

/** The funnel of each send step side by side. */
function StepFunnels({ steps, name }: { steps: StepRow[]; name: (step: StepRow) => string }) {
  const t = useT();
  const format = useFormat();
  const sending = steps.filter((step) => step.kind === "send" || step.sent);
  if (!sending.length) return null;
  return (
    <div role="img" aria-label={t("stats.stepFunnelLabel")}>
      <BarChart
        h={240}
        data={sending.map((step) => ({ step: name(step), ...Object.fromEntries(FUNNEL.map((f) => [f.stage, step[f.stage]])) }))}
        dataKey="step"
        xAxisLabel={t("stats.step")}
        yAxisLabel={t("stats.count")}
        valueFormatter={format.number}
        withLegend
        series={FUNNEL.map(({ stage, label, color }) => ({ name: stage, label: t(label), color }))}
      />
    </div>
  );
}

export function JourneyStats({ ruleId, name, from, to }: { ruleId: string; name: string; from: string; to: string }) {
  const { api } = useSession();
  const t = useT();
  const journey = useQuery({
    queryKey: ["rule-stats", ruleId, from, to],
    queryFn: () => api.get<Journey>(`/api/rules/${encodeURIComponent(ruleId)}/stats?from=${from}&to=${to}`),
  });
  if (journey.isError) return <ErrorState error={journey.error} retry={() => journey.refetch()} />;
  if (!journey.data) return <Loading />;
  const { data } = journey;
  const stepName = (step: StepRow) =>
    t("stats.stepName", {
      index: step.index + 1,
      // an action step comes as what it does (`create_task`, `set_stage`)
      kind: STEP_KINDS.has(step.kind)
        ? t(`editor.kind.${step.kind}` as MessageId)
        : known(`editor.action.${step.kind}`, t, readableCode(step.kind)),
    }) +
    (step.version !== data.version ? ` ${t("stats.olderVersion", { version: step.version })}` : "");
  const exportCsv = () => {
    const header = [t("stats.step"), ...COLUMNS.map((c) => t(c.label)), ...COSTS.map((c) => t(c.label))];
    const line = (label: string, row: Counts) => [label, ...COLUMNS.map((c) => row[c.col]), ...COSTS.map((c) => row[c.col])];
    const rows = [...data.steps.map((step) => line(stepName(step), step)), line(t("stats.journey"), data)];
    download(`journey-${ruleId}-${from}-${to}.csv`, toCsv(header, rows));
  };
  return (
    <Stack gap="xs" data-testid="journey-stats">
      <Group justify="space-between">
        <Title order={3}>{t("stats.journeyTitle", { name })}</Title>
        <Button size="xs" variant="default" onClick={exportCsv}>
          {t("stats.journeyCsv", { name })}
        </Button>
      </Group>
      {data.sent === 0 ? <Text c="dimmed">{t("stats.nothingSent")}</Text> : <Funnel journey={data} />}
      <StepFunnels steps={data.steps} name={stepName} />
      <Table className="responsive" data-testid="journey-steps" data-id={ruleId}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("stats.step")}</Table.Th>
            {COLUMNS.map(({ col, label }) => (
              <Table.Th key={col} title={col === "active" ? t("stats.inNowHint") : undefined}>
                {t(label)}
              </Table.Th>
            ))}
            {COSTS.map(({ col, label }) => (
              <Table.Th key={col} title={t("stats.costHint")}>
                {t(label)}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {data.steps.map((step) => (
            <Table.Tr key={`${step.version}-${step.index}`} data-testid="step-row" data-step={step.index}>
              <Table.Td data-label={t("stats.step")}>{stepName(step)}</Table.Td>
              <Cells row={step} />
            </Table.Tr>
          ))}
          <Table.Tr data-testid="journey-total">
            <Table.Td data-label={t("stats.step")}>
              <strong>{t("stats.journey")}</strong>
            </Table.Td>
            <Cells row={data} />
          </Table.Tr>
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
