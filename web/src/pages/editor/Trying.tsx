// Try before activating: a sample message for a contact, the preview of who would be
// messaged (and its cost), and the dry-run timeline on a virtual clock.
import { Alert, Button, Group, List, NumberInput, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { useIntl } from "react-intl";
import type { Api, DryRun, DryRunEntry, Sample } from "../../api";
import { DayField } from "../../DayField";
import { useFormat } from "../../format";
import type { MessageId } from "../../i18n/en";
import { known, useT } from "../../i18n/locale";
import { ErrorState } from "../../problems";
import { readableCode, useReasonWords } from "../../waiting";

const DRY_RUN_KINDS = new Set([
  "reply",
  "event",
  "entered",
  "waited",
  "branch",
  "action",
  "send",
  "held",
  "skipped",
  "stopped",
  "replied",
  "expired",
  "ended",
]);

export interface Preview {
  now: number;
  /** Of `now`, those whose message would go at once. */
  due_now?: number;
  next_hour: number;
  next_day: number;
  /** `zone`: the zone the send time is read in (the lead's own, else their number's, else
   * the workspace's); `waits_for`: what puts the send off (another rule's pending
   * follow-up, the messaging limit, a new number's warm-up cap). */
  planned: { contact_id: string; name: string; send_at: string; zone: string; waits_for?: string | null }[];
  estimated_cost_usd: number;
  /** How many leads the trigger found are left out, by the code of why. */
  skipped?: Record<string, number>;
  /** Some of them (the first 20), each with the code of why. */
  excluded?: { contact_id: string; name: string; reason: string }[];
  /** How the trigger enrolls: an idle time crossed (`planned`: those enrolled now), a date
   * come round (`planned`: those of the next day), or an occurrence it waits for. */
  fires?: "idle" | "date" | "occurrence";
  /** False when the funnel could not all be read in time: the counts are of those read. */
  complete?: boolean;
  /** A date rule's busiest day to come (the workspace's calendar) and how many its date
   * reaches then; null when no lead's date is still to come. */
  busiest?: { day: string; count: number } | null;
}

export function SampleStep({ api, ruleId, index }: { api: Api; ruleId: string; index: number }) {
  const t = useT();
  const [contactId, setContactId] = useState("");
  const [sample, setSample] = useState<Sample | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    setError(null);
    setSample(null);
    try {
      const path = `/api/rules/${encodeURIComponent(ruleId)}/steps/${index}/sample`;
      setSample(await api.call<Sample>("POST", path, { contact_id: contactId.trim() }));
    } catch (failure) {
      setError(failure);
    }
  };
  const message = sample?.message;
  return (
    <Stack gap="xs" data-testid={`sample-${index}`}>
      <Group gap="xs" align="flex-end" wrap="wrap">
        <TextInput
          label={t("editor.sample.contact", { n: index + 1 })}
          value={contactId}
          onChange={(e) => setContactId(e.currentTarget.value)}
        />
        <Button variant="default" disabled={!contactId.trim()} onClick={run}>
          {t("editor.sample.run")}
        </Button>
      </Group>
      {error !== null && <ErrorState error={error} />}
      {sample && (
        <Text size="sm">
          {message == null
            ? t("editor.sample.nothing")
            : message.kind === "text"
              ? (message.text ?? "")
              : t("editor.sample.template", { name: message.template_name ?? "", params: message.params.join(" | ") })}
          {sample.ai && !sample.ai.used && (
            <Text span size="sm" c="#8a3c00">
              {" "}
              {t("editor.sample.fallback", { why: sample.ai.fallback_reason ?? "?" })}
            </Text>
          )}
        </Text>
      )}
    </Stack>
  );
}

/** The sends a preview lists by name; the others are counted. */
const LISTED = 20;

/** Who would be messaged and when: each send time on the lead's wall clock, its zone named. */
export function PreviewPanel({ preview }: { preview: Preview }) {
  const t = useT();
  const intl = useIntl();
  const format = useFormat();
  const listedOf = preview.fires === "date" ? preview.next_day : preview.now;
  const unlisted = listedOf - Math.min(preview.planned.length, LISTED);
  return (
    <Paper withBorder p="md" data-testid="preview">
      <Title order={3} size="h4">
        {t("editor.preview.title")}
      </Title>
      {preview.fires === "occurrence" ? (
        <Text data-testid="preview-on-occurrence">{t("editor.preview.onOccurrence")}</Text>
      ) : preview.fires === "date" ? (
        <>
          <Text>{t("editor.preview.dateCounts", { hour: preview.next_hour, day: preview.next_day })}</Text>
          {preview.busiest && (
            <Text data-testid="preview-busiest">
              {t("editor.preview.busiest", { count: preview.busiest.count, day: format.day(preview.busiest.day) })}
            </Text>
          )}
        </>
      ) : (
        <Text>{t("editor.preview.counts", { now: preview.now, hour: preview.next_hour, day: preview.next_day })}</Text>
      )}
      {preview.complete === false && <Text data-testid="preview-incomplete">{t("editor.preview.incomplete")}</Text>}
      {preview.due_now !== undefined && preview.due_now < preview.now && (
        <Text data-testid="preview-due-now">
          {t("editor.preview.dueNow", { due: preview.due_now, later: preview.now - preview.due_now })}
        </Text>
      )}
      {preview.fires !== "occurrence" && (
        <Text data-testid="preview-cost">
          {t("editor.preview.cost", {
            cost: intl.formatNumber(preview.estimated_cost_usd, { style: "currency", currency: "USD" }),
          })}
        </Text>
      )}
      <List size="sm">
        {preview.planned.slice(0, LISTED).map((p) => (
          <List.Item key={p.contact_id}>
            {t("editor.preview.planned", {
              name: p.name || p.contact_id,
              at: t("time.inZone", { time: format.dateTime(p.send_at, p.zone), zone: p.zone }),
            })}
            {p.waits_for === "pending_followup" && ` (${t("editor.preview.waitsPending")})`}
            {p.waits_for === "messaging_limit" && ` (${t("editor.preview.waitsLimit")})`}
            {p.waits_for === "warm_up" && ` (${t("editor.preview.waitsWarmUp")})`}
          </List.Item>
        ))}
      </List>
      {unlisted > 0 && (
        <Text size="sm" data-testid="preview-more">
          {t("editor.preview.more", { count: unlisted })}
        </Text>
      )}
      <Excluded preview={preview} />
    </Paper>
  );
}

/** Why a dry run's entry happened, in words: why the tick would not enroll the lead, which
 * way a branch went, why a send or the journey ended. */
function useDryRunWhy(): (entry: DryRunEntry) => string {
  const t = useT();
  const reasonWords = useReasonWords();
  return ({ kind, reason }) => {
    if (!reason) return "";
    if (kind === "branch") return t(reason === "then" ? "editor.dryRun.branch.then" : "editor.dryRun.branch.else");
    return reasonWords(reason.replace(/^not_enrolled:/, ""));
  };
}

const TO_STEP = /^step (\d+)$/;

/** A dry run's entry's detail in words: where a branch went, how the journey ended; else
 * the detail as the API gave it (a reply's text, an action). */
function useDryRunDetail(): (entry: DryRunEntry) => string {
  const t = useT();
  return ({ kind, detail }) => {
    if (!detail) return "";
    const step = kind === "branch" ? TO_STEP.exec(detail) : null;
    if (step) return t("editor.dryRun.toStep", { n: Number(step[1]) });
    if (kind === "branch" && detail === "the end") return t("editor.dryRun.toEnd");
    if (kind === "ended" && (detail === "completed" || detail === "exited")) return t(`editor.dryRun.state.${detail}`);
    return detail;
  };
}

/** Who the preview leaves out, counted by why, and some of them by name, in words. */
function Excluded({ preview }: { preview: Preview }) {
  const t = useT();
  const words = useReasonWords();
  const counts = Object.entries(preview.skipped ?? {}).sort((a, b) => b[1] - a[1]);
  const total = counts.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return null;
  return (
    <Stack gap="xs" mt="sm" data-testid="preview-excluded">
      <Title order={4} size="h5">
        {t("editor.preview.excludedTitle", { count: total })}
      </Title>
      <List size="sm">
        {counts.map(([code, count]) => (
          <List.Item key={code}>{t("editor.preview.excludedCount", { reason: words(code, code), count })}</List.Item>
        ))}
      </List>
      {(preview.excluded ?? []).length > 0 && (
        <>
          <Text size="sm">{t("editor.preview.excludedSample")}</Text>
          <List size="sm" data-testid="preview-excluded-sample">
            {(preview.excluded ?? []).map((e) => (
              <List.Item key={e.contact_id}>
                {t("editor.preview.excludedItem", { name: e.name || e.contact_id, reason: words(e.reason, e.reason) })}
              </List.Item>
            ))}
          </List>
        </>
      )}
    </Stack>
  );
}

/** Plays the saved rule for a contact by id, or a test contact: for a date rule (`dateField`
 * names its attribute), one whose date is the day typed. */
export function DryRunPanel({ api, ruleId, dateField }: { api: Api; ruleId: string; dateField?: string }) {
  const t = useT();
  const kindWords = (kind: string) =>
    DRY_RUN_KINDS.has(kind) ? t(`editor.dryRun.kind.${kind}` as MessageId) : readableCode(kind);
  const why = useDryRunWhy();
  const detail = useDryRunDetail();
  const [contactId, setContactId] = useState("");
  const [days, setDays] = useState(14);
  const [day, setDay] = useState("");
  const [run, setRun] = useState<DryRun | null>(null);
  const [error, setError] = useState<unknown>(null);
  const play = async () => {
    setError(null);
    setRun(null);
    const dated = dateField && day ? { attributes: { [dateField]: day } } : {};
    const who = contactId.trim() ? { contact_id: contactId.trim() } : { contact: dated };
    try {
      setRun(await api.call<DryRun>("POST", `/api/rules/${encodeURIComponent(ruleId)}/dry-run`, { ...who, days }));
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <Paper withBorder p="md" data-testid="dry-run">
      <Title order={3} size="h4">
        {t("editor.dryRun.title")}
      </Title>
      <Text size="sm" c="dimmed">
        {t("editor.dryRun.hint")}
      </Text>
      <Group gap="xs" align="flex-end" wrap="wrap">
        <TextInput
          label={t("editor.dryRun.contact")}
          value={contactId}
          onChange={(e) => setContactId(e.currentTarget.value)}
        />
        {dateField && (
          <DayField
            label={t("editor.dryRun.date", { field: dateField })}
            value={day}
            onChange={setDay}
            disabled={!!contactId.trim()}
            w="12rem"
          />
        )}
        <NumberInput
          label={t("editor.dryRun.days")}
          min={1}
          max={400}
          value={days}
          onChange={(value) => setDays(Number(value) || 1)}
          w="8rem"
        />
        <Button variant="default" onClick={play}>
          {t("editor.dryRun.run")}
        </Button>
      </Group>
      {error !== null && <ErrorState error={error} />}
      {run && run.timeline.length === 0 && (
        <Alert variant="light" mt="sm">
          {t("editor.dryRun.nothing")}
        </Alert>
      )}
      {run && run.timeline.length > 0 && (
        <Table className="responsive" mt="sm">
          <Table.Caption>
            {t(run.finished ? "editor.dryRun.finished" : "editor.dryRun.running", { zone: run.zone })}
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("editor.dryRun.when")}</Table.Th>
              <Table.Th>{t("editor.dryRun.what")}</Table.Th>
              <Table.Th>{t("editor.dryRun.step")}</Table.Th>
              <Table.Th>{t("editor.dryRun.message")}</Table.Th>
              <Table.Th>{t("editor.dryRun.why")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {run.timeline.map((entry, k) => (
              <Table.Tr key={k}>
                <Table.Td data-label={t("editor.dryRun.when")}>{entry.local}</Table.Td>
                <Table.Td data-label={t("editor.dryRun.what")}>
                  {entry.channel && entry.kind === "send"
                    ? t("editor.dryRun.sendOn", { channel: known(`editor.channel.${entry.channel}`, t, entry.channel) })
                    : kindWords(entry.kind)}
                </Table.Td>
                <Table.Td data-label={t("editor.dryRun.step")}>{entry.step ?? ""}</Table.Td>
                <Table.Td data-label={t("editor.dryRun.message")}>
                  {entry.message?.body ?? entry.message?.text ?? entry.message?.template_name ?? detail(entry)}
                </Table.Td>
                <Table.Td data-label={t("editor.dryRun.why")}>{[why(entry), entry.effect].filter(Boolean).join(" · ")}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
