import { BarChart } from "@mantine/charts";
import { Badge, Group, Stack, Table, Text, Title, UnstyledButton } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Fragment, useState } from "react";
import { useFormat } from "../format";
import type { MessageId } from "../i18n/en";
import { useT } from "../i18n/locale";
import { Empty, ErrorState, Loading } from "../problems";
import { useRules, useSession } from "../session";

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

const COLUMNS: { col: keyof Counts; label: MessageId }[] = [
  { col: "active", label: "stats.inNow" },
  { col: "entered", label: "stats.entered" },
  { col: "completed", label: "stats.completed" },
  { col: "exited", label: "stats.exited" },
  { col: "errors", label: "stats.errors" },
  { col: "sent", label: "stats.sent" },
  { col: "delivered", label: "stats.delivered" },
  { col: "read", label: "stats.read" },
  { col: "replied", label: "stats.replied" },
  { col: "converted", label: "stats.converted" },
];

/** A cost in dollars, or a dash where nothing was replied or converted to divide by. */
function useCost() {
  const format = useFormat();
  return (amount: number | null) => (amount === null ? "–" : format.dollars(amount));
}

const exits = (by: Record<string, number>) =>
  Object.entries(by)
    .map(([kind, count]) => `${kind.replace("_", " ")} ${count}`)
    .join(", ");

function StepCells({ row }: { row: Counts }) {
  const t = useT();
  const format = useFormat();
  const cost = useCost();
  return (
    <>
      {COLUMNS.map(({ col, label }) => (
        <Table.Td key={col} data-col={col} data-label={t(label)}>
          {format.number(row[col] as number)}
          {col === "exited" && row.exited ? <small> ({exits(row.exited_by)})</small> : null}
        </Table.Td>
      ))}
      <Table.Td data-col="cost" data-label={t("stats.cost")}>
        {cost(row.cost_usd)}
      </Table.Td>
      <Table.Td data-col="cost-per-reply" data-label={t("stats.costPerReply")}>
        {cost(row.cost_per_reply)}
      </Table.Td>
    </>
  );
}

/** One journey per step: who is in each step now, and what each did over the period. */
function Steps({ ruleId, from, to }: { ruleId: string; from: string; to: string }) {
  const { api } = useSession();
  const t = useT();
  const journey = useQuery({
    queryKey: ["rule-stats", ruleId, from, to],
    queryFn: () => api.get<Journey>(`/api/rules/${encodeURIComponent(ruleId)}/stats?from=${from}&to=${to}`),
  });
  if (journey.isError) return <ErrorState error={journey.error} retry={() => journey.refetch()} />;
  if (!journey.data) return <Loading />;
  const { data } = journey;
  return (
    <Table className="responsive" data-testid="journey-steps" data-id={ruleId}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t("stats.step")}</Table.Th>
          {COLUMNS.map(({ col, label }) => (
            <Table.Th key={col} title={col === "active" ? t("stats.inNowHint") : undefined}>
              {t(label)}
            </Table.Th>
          ))}
          <Table.Th title={t("stats.costHint")}>{t("stats.cost")}</Table.Th>
          <Table.Th>{t("stats.costPerReply")}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {data.steps.map((step) => (
          <Table.Tr key={`${step.version}-${step.index}`} data-testid="step-row" data-step={step.index}>
            <Table.Td data-label={t("stats.step")}>
              {t("stats.stepName", { index: step.index + 1, kind: step.kind })}
              {step.version !== data.version ? <small> {t("stats.olderVersion", { version: step.version })}</small> : null}
            </Table.Td>
            <StepCells row={step} />
          </Table.Tr>
        ))}
        <Table.Tr data-testid="journey-total">
          <Table.Td data-label={t("stats.step")}>
            <strong>{t("stats.journey")}</strong>
          </Table.Td>
          <StepCells row={data} />
        </Table.Tr>
      </Table.Tbody>
    </Table>
  );
}

function PerDay({ days }: { days: Day[] }) {
  const t = useT();
  const format = useFormat();
  const totals = new Map<string, { sent: number; responded: number }>();
  for (const d of days) {
    const total = totals.get(d.day) ?? { sent: 0, responded: 0 };
    total.sent += d.sent ?? 0;
    total.responded += d.responded ?? 0;
    totals.set(d.day, total);
  }
  const series = [...totals.entries()].sort(([a], [b]) => a.localeCompare(b));
  if (!series.length) return <Empty>{t("stats.nothingSent")}</Empty>;
  return (
    <div role="img" aria-label={t("stats.chartLabel")}>
      <BarChart
        h={260}
        data={series.map(([day, total]) => ({ day: format.shortDay(day), ...total }))}
        dataKey="day"
        withLegend
        valueFormatter={format.number}
        series={[
          { name: "sent", label: t("stats.sent"), color: "teal.8" },
          { name: "responded", label: t("stats.responded"), color: "indigo.7" },
        ]}
      />
    </div>
  );
}

export function StatsPage() {
  const { api } = useSession();
  const t = useT();
  const format = useFormat();
  const cost = useCost();
  const rules = useRules();
  const [open, setOpen] = useState<string | null>(null);
  const stats = useQuery({
    queryKey: ["stats"],
    queryFn: () => api.get<{ from: string; to: string; rules: Row[]; days: Day[] }>("/api/stats"),
  });
  if (stats.isError) return <ErrorState error={stats.error} retry={() => stats.refetch()} />;
  if (!stats.data) return <Loading />;
  const { data } = stats;
  const names = new Map((rules.data ?? []).map((r) => [r.id, r.name]));
  const flagWords = (flag: string) =>
    flag === "low_response" || flag === "high_opt_out" ? t(`stats.flag.${flag}`) : t("stats.flag.other", { flag });
  return (
    <Stack gap="sm">
      <Title order={2}>{t("stats.title", { from: format.day(data.from), to: format.day(data.to) })}</Title>
      <Table className="responsive">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("stats.rule")}</Table.Th>
            <Table.Th>{t("stats.sent")}</Table.Th>
            <Table.Th>{t("stats.responseRate")}</Table.Th>
            <Table.Th>{t("stats.optOutRate")}</Table.Th>
            <Table.Th>{t("stats.conversions")}</Table.Th>
            <Table.Th title={t("stats.aiCostHint")}>{t("stats.aiCost")}</Table.Th>
            <Table.Th title={t("stats.messagingCostHint")}>{t("stats.messagingCost")}</Table.Th>
            <Table.Th title={t("stats.costHint")}>{t("stats.costPerReply")}</Table.Th>
            <Table.Th title={t("stats.costHint")}>{t("stats.costPerConversion")}</Table.Th>
            <Table.Th>{t("stats.review")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {data.rules.map((row) => (
            <Fragment key={row.rule_id}>
              <Table.Tr data-testid="stats-row" data-id={row.rule_id}>
                <Table.Td data-label={t("stats.rule")}>
                  {row.rule_id === "all" ? (
                    <strong>{t("stats.allRules")}</strong>
                  ) : (
                    <UnstyledButton
                      className="link"
                      aria-expanded={open === row.rule_id}
                      onClick={() => setOpen(open === row.rule_id ? null : row.rule_id)}
                    >
                      {names.get(row.rule_id) ?? row.rule_id}
                      <Text span size="xs" c="dimmed" display="block">
                        {row.rule_id}
                      </Text>
                    </UnstyledButton>
                  )}
                </Table.Td>
                <Table.Td data-label={t("stats.sent")}>{format.number(row.sent ?? 0)}</Table.Td>
                <Table.Td data-label={t("stats.responseRate")}>
                  {format.percent(row.response_rate)} ({format.number(row.responded ?? 0)})
                </Table.Td>
                <Table.Td data-label={t("stats.optOutRate")}>
                  {format.percent(row.opt_out_rate)} ({format.number(row.opted_out ?? 0)})
                </Table.Td>
                <Table.Td data-label={t("stats.conversions")}>{format.number(row.converted ?? 0)}</Table.Td>
                <Table.Td data-label={t("stats.aiCost")} data-testid="ai-cost">
                  {row.ai_messages
                    ? t("stats.aiCostValue", { cost: format.dollars(row.ai_cost_usd), count: row.ai_messages })
                    : "–"}
                </Table.Td>
                <Table.Td data-label={t("stats.messagingCost")} data-testid="messaging-cost">
                  {cost(row.messaging_cost_usd)}
                </Table.Td>
                <Table.Td data-label={t("stats.costPerReply")}>{cost(row.cost_per_reply)}</Table.Td>
                <Table.Td data-label={t("stats.costPerConversion")}>{cost(row.cost_per_conversion)}</Table.Td>
                <Table.Td data-label={t("stats.review")}>
                  <Group gap={4}>
                    {row.flags.map((flag) => (
                      <Badge key={flag} color="red.9" variant="outline" className="flag">
                        {flagWords(flag)}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
              </Table.Tr>
              {open === row.rule_id ? (
                <Table.Tr>
                  <Table.Td colSpan={10}>
                    <Steps ruleId={row.rule_id} from={data.from} to={data.to} />
                  </Table.Td>
                </Table.Tr>
              ) : null}
            </Fragment>
          ))}
        </Table.Tbody>
      </Table>
      <Title order={3}>{t("stats.perDay")}</Title>
      <PerDay days={data.days} />
    </Stack>
  );
}
