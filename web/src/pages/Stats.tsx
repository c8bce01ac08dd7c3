import { BarChart } from "@mantine/charts";
import { Badge, Button, Group, Paper, SimpleGrid, Stack, Table, Text, Title, UnstyledButton } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { DayField } from "../DayField";
import { days } from "../days";
import { useFormat } from "../format";
import { useT } from "../i18n/locale";
import { Empty, ErrorState, Loading } from "../problems";
import { useSession } from "../session";
import { useUrlParams } from "../urlParams";
import { download, toCsv } from "./stats/csv";
import { JourneyStats } from "./stats/Journey";

type Channel = "whatsapp" | "sms" | "email";
const CHANNELS: Channel[] = ["whatsapp", "sms", "email"];

/** Counters, rates, costs and review flags: a rule's, or every rule's together. */
interface Figures {
  sent: number;
  responded: number;
  opted_out: number;
  converted: number;
  ai_messages?: number;
  ai_cost_usd: number;
  messaging_cost_usd: number;
  /** The messaging cost by channel: WhatsApp's is what SMS and email leave of it. */
  messaging_cost_by_channel: Record<Channel, number>;
  cost_usd: number;
  cost_per_reply: number | null;
  cost_per_conversion: number | null;
  /** Null for a row that sent nothing, which no rate describes. */
  response_rate: number | null;
  opt_out_rate: number | null;
  flags: string[];
  sample_too_small: boolean;
}

interface Row extends Figures {
  rule_id: string;
  name: string | null;
  /** Deleted since: its sends still count, and it has no journey to open. */
  deleted?: boolean;
}

interface Day {
  rule_id: string;
  day: string;
  sent?: number;
  responded?: number;
}

interface Review {
  min_response_rate: number;
  max_opt_out_rate: number;
  min_response_sample: number;
  min_opt_out_sample: number;
}

interface Stats {
  from: string;
  to: string;
  queue_now: number;
  sends: { sent: number; failed: number; success_rate: number | null };
  review: Review;
  /** Every rule together, apart from the rules so that no rule's id can stand for it. */
  total: Figures;
  rules: Row[];
  days: Day[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const LONGEST_DAYS = 366;

/** The range asked for in the URL, and what is wrong with it (checked before the API is asked). */
function useRange() {
  const [params, setParams] = useUrlParams();
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const set = (name: "from" | "to", value: string) =>
    setParams(
      (next) => {
        if (value) next.set(name, value);
        else next.delete(name);
      },
      { replace: true },
    );
  let problem: "stats.rangeOrder" | "stats.rangeTooLong" | "stats.rangeIncomplete" | null = null;
  if ((from && !DAY.test(from)) || (to && !DAY.test(to)) || (!from !== !to)) problem = "stats.rangeIncomplete";
  else if (from && to && from > to) problem = "stats.rangeOrder";
  else if (from && to && (Date.parse(to) - Date.parse(from)) / 86_400_000 >= LONGEST_DAYS) problem = "stats.rangeTooLong";
  return { from, to, set, problem };
}

function Kpi({ label, value, detail, testId }: { label: string; value: string; detail?: string; testId: string }) {
  return (
    <Paper withBorder p="sm" data-testid={testId}>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fw={700} fz="xl" className="kpi-value">
        {value}
      </Text>
      {detail && (
        <Text size="xs" c="dimmed">
          {detail}
        </Text>
      )}
    </Paper>
  );
}

/** Every day from `from` to `to` (YYYY-MM-DD, both in), in order. */
function daysBetween(from: string, to: string): string[] {
  const all: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`); ; at += days(1)) {
    const day = new Date(at).toISOString().slice(0, 10);
    if (day > to) return all;
    all.push(day);
  }
}

/** Sent and responded per day over the whole period: a day with nothing is drawn as 0. */
function PerDay({ days: counted, from, to }: { days: Day[]; from: string; to: string }) {
  const t = useT();
  const format = useFormat();
  if (!counted.length) return <Empty>{t("stats.nothingSent")}</Empty>;
  const totals = new Map(daysBetween(from, to).map((day) => [day, { sent: 0, responded: 0 }]));
  for (const d of counted) {
    const total = totals.get(d.day) ?? { sent: 0, responded: 0 };
    total.sent += d.sent ?? 0;
    total.responded += d.responded ?? 0;
    totals.set(d.day, total);
  }
  const series = [...totals.entries()].sort(([a], [b]) => a.localeCompare(b));
  return (
    <div role="img" aria-label={t("stats.chartLabel")}>
      <BarChart
        h={260}
        data={series.map(([day, total]) => ({ day: format.shortDay(day), ...total }))}
        dataKey="day"
        xAxisLabel={t("stats.day")}
        yAxisLabel={t("stats.count")}
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
  const range = useRange();
  const [open, setOpen] = useState<string | null>(null);
  const asked = range.from && range.to && !range.problem ? `?from=${range.from}&to=${range.to}` : "";
  const stats = useQuery({
    queryKey: ["stats", asked],
    queryFn: () => api.get<Stats>(`/api/stats${asked}`),
  });
  const data = stats.data;
  const cost = (amount: number | null) => (amount === null ? "–" : format.dollars(amount));
  /** What each channel cost, under the messaging cost, once SMS or email cost anything. */
  const byChannel = (row: Figures) => {
    const split = row.messaging_cost_by_channel;
    if (!split.sms && !split.email) return null;
    const parts = CHANNELS.filter((channel) => split[channel]).map(
      (channel) => `${t(`editor.channel.${channel}`)} ${format.dollars(split[channel])}`,
    );
    return (
      <Text size="xs" c="dimmed" data-testid="cost-by-channel">
        {parts.join(" · ")}
      </Text>
    );
  };
  const ruleName = (row: Row) => row.name ?? row.rule_id;
  const flagWords = (flag: string) => {
    if (flag === "low_response") return t("stats.flag.low_response", { rate: format.percent(data?.review.min_response_rate ?? 0) });
    if (flag === "high_opt_out") return t("stats.flag.high_opt_out", { rate: format.percent(data?.review.max_opt_out_rate ?? 0) });
    return t("stats.flag.other", { flag });
  };
  const minSample = data ? Math.min(data.review.min_response_sample, data.review.min_opt_out_sample) : 0;
  const exportCsv = (shown: Stats) => {
    const header = [
      t("stats.rule"),
      t("stats.sent"),
      t("stats.responded"),
      t("stats.responseRate"),
      t("stats.optedOut"),
      t("stats.optOutRate"),
      t("stats.conversions"),
      t("stats.aiCost"),
      t("stats.messagingCost"),
      ...CHANNELS.map((channel) => t("stats.channelCost", { channel: t(`editor.channel.${channel}`) })),
      t("stats.costPerReply"),
      t("stats.costPerConversion"),
      t("stats.review"),
    ];
    // The row of every rule together first, then each rule as the API orders them.
    const labelled: [string, Figures][] = [
      [t("stats.allRules"), shown.total],
      ...shown.rules.map((row): [string, Figures] => [ruleName(row), row]),
    ];
    const rows = labelled.map(([label, row]) => [
      label,
      row.sent,
      row.responded,
      row.response_rate,
      row.opted_out,
      row.opt_out_rate,
      row.converted,
      row.ai_cost_usd,
      row.messaging_cost_usd,
      ...CHANNELS.map((channel) => row.messaging_cost_by_channel[channel]),
      row.cost_per_reply,
      row.cost_per_conversion,
      row.sample_too_small ? t("stats.tooFew", { sent: row.sent, min: minSample }) : row.flags.map(flagWords).join("; "),
    ]);
    download(`stats-${shown.from}-${shown.to}.csv`, toCsv(header, rows));
  };
  const openRow = data?.rules.find((row) => row.rule_id === open);
  /** A share of a row's sends; a dash when it sent nothing. */
  const rate = (share: number | null) => (share === null ? "–" : format.percent(share));
  /** A row's cells after its name, the same for a rule and for every rule together. */
  const figureCells = (row: Figures) => (
    <>
      <Table.Td data-label={t("stats.sent")} data-col="sent">
        {format.number(row.sent)}
      </Table.Td>
      <Table.Td data-label={t("stats.responseRate")} data-col="responded">
        {rate(row.response_rate)} ({format.number(row.responded)})
      </Table.Td>
      <Table.Td data-label={t("stats.optOutRate")} data-col="opted_out">
        {rate(row.opt_out_rate)} ({format.number(row.opted_out)})
      </Table.Td>
      <Table.Td data-label={t("stats.conversions")}>{format.number(row.converted)}</Table.Td>
      <Table.Td data-label={t("stats.aiCost")} data-testid="ai-cost">
        {row.ai_messages ? t("stats.aiCostValue", { cost: format.dollars(row.ai_cost_usd), count: row.ai_messages }) : "–"}
      </Table.Td>
      <Table.Td data-label={t("stats.messagingCost")} data-testid="messaging-cost">
        {cost(row.messaging_cost_usd)}
        {byChannel(row)}
      </Table.Td>
      <Table.Td data-label={t("stats.costPerReply")}>{cost(row.cost_per_reply)}</Table.Td>
      <Table.Td data-label={t("stats.costPerConversion")}>{cost(row.cost_per_conversion)}</Table.Td>
      <Table.Td data-label={t("stats.review")} data-col="review">
        {row.sample_too_small ? (
          <Text size="sm" c="dimmed" data-testid="too-few">
            {t("stats.tooFew", { sent: row.sent, min: minSample })}
          </Text>
        ) : (
          <Group gap={4}>
            {row.flags.map((flag) => (
              <Badge key={flag} color="red.9" variant="outline" className="flag">
                {flagWords(flag)}
              </Badge>
            ))}
          </Group>
        )}
      </Table.Td>
    </>
  );
  return (
    <Stack gap="sm">
      <Title order={2}>
        {data ? t("stats.title", { from: format.day(data.from), to: format.day(data.to) }) : t("nav.stats")}
      </Title>
      <Group align="flex-end" className="filters" data-testid="stats-range">
        <DayField
          label={t("stats.from")}
          value={range.from}
          onChange={(day) => range.set("from", day)}
          error={range.problem === "stats.rangeIncomplete" && !range.from ? t(range.problem) : undefined}
        />
        <DayField
          label={t("stats.to")}
          value={range.to}
          onChange={(day) => range.set("to", day)}
          error={range.problem && (range.problem !== "stats.rangeIncomplete" || !range.to) ? t(range.problem) : undefined}
        />
        {data && (
          <Button variant="default" onClick={() => exportCsv(data)}>
            {t("stats.csv")}
          </Button>
        )}
      </Group>
      {stats.isError && <ErrorState error={stats.error} retry={() => stats.refetch()} />}
      {stats.isPending && <Loading />}
      {data && (
        <>
          <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
            <Kpi testId="kpi-queue" label={t("stats.queueNow")} value={format.number(data.queue_now)} detail={t("stats.queueNowHint")} />
            <Kpi
              testId="kpi-success"
              label={t("stats.successRate")}
              value={data.sends.success_rate === null ? "–" : format.percent(data.sends.success_rate)}
              detail={t("stats.successDetail", { sent: data.sends.sent, failed: data.sends.failed })}
            />
            <Kpi
              testId="kpi-replies"
              label={t("stats.responseRate")}
              value={rate(data.total.response_rate)}
              detail={t("stats.repliesDetail", { replied: data.total.responded, sent: data.total.sent })}
            />
            <Kpi testId="kpi-cost" label={t("stats.costPerReply")} value={cost(data.total.cost_per_reply)} detail={t("stats.costTotal", { cost: format.dollars(data.total.cost_usd) })} />
          </SimpleGrid>
          <Text size="sm" c="dimmed">
            {t("stats.sampleNote", { response: data.review.min_response_sample, optOut: data.review.min_opt_out_sample })}
          </Text>
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
              <Table.Tr data-testid="stats-total">
                <Table.Td data-label={t("stats.rule")}>
                  <strong>{t("stats.allRules")}</strong>
                </Table.Td>
                {figureCells(data.total)}
              </Table.Tr>
              {data.rules.map((row) => (
                <Table.Tr key={row.rule_id} data-testid="stats-row" data-id={row.rule_id}>
                  <Table.Td data-label={t("stats.rule")}>
                    {row.deleted ? (
                      <>
                        {ruleName(row)}
                        <Text span size="xs" c="dimmed" display="block">
                          {t("stats.deletedRule", { id: row.rule_id })}
                        </Text>
                      </>
                    ) : (
                      <UnstyledButton
                        className="link"
                        aria-expanded={open === row.rule_id}
                        aria-controls="journey-detail"
                        onClick={() => setOpen(open === row.rule_id ? null : row.rule_id)}
                      >
                        {ruleName(row)}
                        <Text span size="xs" c="dimmed" display="block">
                          {row.rule_id}
                        </Text>
                      </UnstyledButton>
                    )}
                  </Table.Td>
                  {figureCells(row)}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <div id="journey-detail">
            {openRow && <JourneyStats ruleId={openRow.rule_id} name={ruleName(openRow)} from={data.from} to={data.to} />}
          </div>
          <Title order={3}>{t("stats.perDay")}</Title>
          <PerDay days={data.days} from={data.from} to={data.to} />
        </>
      )}
    </Stack>
  );
}
