// Settings and health: business hours, holidays, opt-out keywords, caps and gating, the
// pause switch, the sending numbers and the template catalogue. Admins change them;
// everyone else reads them.
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  NativeSelect,
  NumberInput,
  Progress,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { type UseMutationResult, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useIntl } from "react-intl";
import { type ReactNode, useEffect, useRef, useState } from "react";
import { ApiError, type Problem } from "../api";
import { DayField } from "../DayField";
import { fieldLabel, statusKey, useNumberPauseWords } from "../explain";
import { useFormat } from "../format";
import { known, useT } from "../i18n/locale";
import { usePausedWords } from "../PauseNotice";
import { Empty, ErrorState, Loading, useProblemWords, useProblemsByField } from "../problems";
import { type MessagingLimitUse, useNumbers, useSession, useWorkspaceZone } from "../session";

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
type Weekday = (typeof WEEKDAYS)[number];
const UNITS = ["minutes", "hours", "days", "weeks"] as const;
/** The fields this page edits; the API's problems with them show beside them. */
const SHOWN = ["timezone", "send_window", "opt_out_keywords", "gating", "max_attempts", "withheld_attempts", "mass_send_limit", "review"];

interface TimeRange {
  start: string;
  end: string;
}

interface Settings {
  timezone: string;
  send_window: {
    hours: Partial<Record<Weekday, TimeRange[]>>;
    blackout_days: Weekday[];
    holiday_countries: string[];
    custom_holidays: string[];
  };
  gating: {
    skip_hot: boolean;
    cold_max_followups: number;
    frequency_cap: { max_sends: number; per: { amount: number; unit: string } };
    min_gap: { amount: number; unit: string };
  };
  opt_out_keywords: string[];
  max_attempts: number;
  withheld_attempts: number;
  mass_send_limit: number;
  review: {
    min_response_rate: number;
    max_opt_out_rate: number;
    min_opt_out_sample: number;
    min_response_sample: number;
    pause_on_opt_out_spike: boolean;
  };
  paused: boolean;
  paused_reason: string | null;
  /** Since when all sending is paused; null for a pause stored before this was kept. */
  paused_at: string | null;
  /** Set when SES refused the whole account: email waits until an admin resumes it. */
  email_paused: { reason: string; at: string } | null;
  /** Sent back with a save: the API refuses it (409) when someone saved the settings since. */
  revision: number;
  [other: string]: unknown;
}

/** One number's use of the limit, and how the engine paces its new conversations. */
function LimitUse({ use }: { use: MessagingLimitUse }) {
  const t = useT();
  const format = useFormat();
  if (use.allowance === null || use.tier === null) return <Text size="sm">{t("settings.limitNone")}</Text>;
  const share = use.allowance ? Math.min(1, use.reached / use.allowance) : 1;
  const left = Math.max(0, use.allowance - use.reached);
  const words = t("settings.limitUse", {
    reached: format.number(use.reached),
    allowance: format.number(use.allowance),
    tier: format.number(use.tier),
  });
  return (
    <Stack gap={4}>
      <Progress value={Math.round(share * 100)} color={left ? "teal.8" : "red.9"} aria-label={words} data-testid="limit-bar" />
      <Text size="sm" data-testid="limit-use">
        {words}
      </Text>
      <Text size="xs" c="dimmed">
        {t("settings.limitShared", { portfolio: use.portfolio })}
      </Text>
    </Stack>
  );
}

function Pacing({ use, paused, rate }: { use: MessagingLimitUse; paused: boolean; rate?: number | null }) {
  const t = useT();
  const format = useFormat();
  let words = t("settings.pacingOpen");
  if (paused) words = t("settings.pacingPaused");
  else if (use.allowance !== null) {
    const left = Math.max(0, use.allowance - use.reached);
    words = left ? t("settings.pacingLeft", { left: format.number(left) }) : t("settings.pacingDeferring");
  }
  return (
    <Stack gap={0}>
      {rate != null && (
        <Text size="sm" data-testid="pace">
          {t("settings.pace", { rate: format.number(rate) })}
        </Text>
      )}
      <Text size="sm" data-testid="pacing">
        {words}
      </Text>
    </Stack>
  );
}

interface Template {
  name: string;
  language: string;
  category: string;
  status: string;
  quality: string;
  reason: string | null;
}

interface Catalogue {
  templates: Template[];
  synced_at: string | null;
  marketing_api_refused: string | null;
}

/** One opening of the send window: a day (ISO, in the zone) and its hours. */
interface Opening {
  day: string;
  start: string;
  end: string;
  now: boolean;
}

/** Today's date and minute on the wall clock of `zone`; throws on an unknown zone. */
function wallClock(zone: string, at: Date): { day: string; minute: number } {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return {
    day: `${part("year")}-${part("month")}-${part("day")}`,
    minute: Number(part("hour")) * 60 + Number(part("minute")),
  };
}

function minutes(hhmm: string): number {
  const [hours, mins] = hhmm.split(":").map(Number);
  return hours * 60 + mins;
}

/** The next `count` openings of the window from `at`, read in `zone` (custom holidays
 * skipped; country calendars are the server's and not applied here). */
export function nextOpenings(window: Settings["send_window"], zone: string, at: Date, count = 5): Opening[] {
  const { day: today, minute } = wallClock(zone, at);
  const found: Opening[] = [];
  const start = new Date(`${today}T00:00:00Z`);
  for (let offset = 0; offset < 400 && found.length < count; offset++) {
    const date = new Date(start.getTime() + offset * 86_400_000);
    const iso = date.toISOString().slice(0, 10);
    const weekday = WEEKDAYS[(date.getUTCDay() + 6) % 7];
    if (window.blackout_days.includes(weekday) || window.custom_holidays.includes(iso)) continue;
    const ranges = [...(window.hours[weekday] ?? [])].sort((a, b) => minutes(a.start) - minutes(b.start));
    for (const range of ranges) {
      if (offset === 0 && minutes(range.end) <= minute) continue;
      const now = offset === 0 && minutes(range.start) <= minute;
      found.push({ day: iso, start: range.start, end: range.end, now });
      if (found.length === count) break;
    }
  }
  return found;
}

/** The API's problems for one field (or anything under it), shown beside it. */
function fieldProblems(byField: Map<string, string[]>, path: string): string[] {
  return [...byField.entries()].filter(([field]) => field === path || field.startsWith(`${path}.`)).flatMap(([, found]) => found);
}

function Section({ title, children, testId }: { title: string; children: ReactNode; testId: string }) {
  return (
    <Stack component="section" gap="xs" data-testid={testId} className="settings-section">
      <Title order={3}>{title}</Title>
      {children}
    </Stack>
  );
}

function Problems({ id, messages }: { id: string; messages: string[] }) {
  const t = useT();
  if (!messages.length) return null;
  return (
    <Text id={id} size="sm" className="problem">
      {messages.map((message) => t("settings.serverSays", { message })).join(" ")}
    </Text>
  );
}

export function SettingsPage() {
  const { api, session } = useSession();
  const t = useT();
  const queries = useQueryClient();
  const admin = session.role === "admin";
  const settings = useQuery({ queryKey: ["settings", "full"], queryFn: () => api.get<Settings>("/api/settings") });
  const [draft, setDraft] = useState<Settings | null>(null);
  // The settings the draft was read from: a draft that still matches them holds no edits.
  const loaded = useRef<Settings | null>(null);
  const fill = (found: Settings) => {
    loaded.current = found;
    setDraft(structuredClone(found));
  };
  // Settings read again replace a draft with nothing typed in it; typed edits stay, to be
  // saved (a save over settings someone else changed meanwhile is refused as stale).
  useEffect(() => {
    const found = settings.data;
    if (!found) return;
    if (draft === null || loaded.current === null || JSON.stringify(draft) === JSON.stringify(loaded.current)) fill(found);
  }, [settings.data]);

  const saved = (found: Settings) => {
    queries.setQueryData(["settings", "full"], found);
    queries.invalidateQueries({ queryKey: ["settings"] });
  };
  // Pausing or resuming changes only the switch: the draft keeps what was typed in the form,
  // and takes the new revision when it was on the one the switch was moved over.
  const switched = (found: Settings, over: number | undefined) => {
    const carried = (from: Settings): Settings => ({
      ...from,
      paused: found.paused,
      paused_reason: found.paused_reason,
      paused_at: found.paused_at,
      revision: from.revision === over ? found.revision : from.revision,
    });
    if (loaded.current) loaded.current = carried(loaded.current);
    setDraft((shown) => (shown ? carried(shown) : shown));
    saved(found);
  };
  const save = useMutation({
    // The API checks first and answers its objections in a 200: a typo is said beside its
    // field, not logged by the browser as a refused request.
    mutationFn: async (next: Settings) => {
      const { problems } = await api.call<{ problems: Problem[] }>("POST", "/api/settings/check", next);
      if (problems.length) throw new ApiError(422, "invalid", "", problems);
      return api.call<Settings>("PUT", "/api/settings", next);
    },
    onSuccess: (found) => {
      fill(found);
      saved(found);
    },
  });
  const pause = useMutation({
    // The revision the switch is moved over, for `switched`.
    onMutate: () => settings.data?.revision,
    mutationFn: (paused: boolean) =>
      api.call<Settings>("PUT", "/api/settings", { ...settings.data, paused, paused_reason: null }),
    onSuccess: (found, _paused, over) => switched(found, over),
  });
  // After a refused stale save: the settings as saved now, replacing the draft.
  const reload = () => {
    save.reset();
    pause.reset();
    settings.refetch().then(({ data }) => data && fill(data));
  };

  return (
    <Stack gap="lg" className="settings">
      <Title order={2}>{t("settings.title")}</Title>
      {!admin && <Text c="dimmed">{t("settings.readOnly")}</Text>}
      {settings.isPending && <Loading />}
      {settings.isError && <ErrorState error={settings.error} retry={() => settings.refetch()} />}
      {settings.data && draft && (
        <>
          <PauseSwitch settings={settings.data} admin={admin} pause={pause} reload={reload} />
          <PolicyForm draft={draft} setDraft={setDraft} admin={admin} save={save} reload={reload} />
        </>
      )}
      <Numbers admin={admin} />
      <Templates canSync={session.role !== "counselor"} />
    </Stack>
  );
}

/** A save the API refused because someone else saved the settings after this page read them. */
function isStale(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409;
}

function Stale({ reload }: { reload: () => void }) {
  const t = useT();
  return (
    <Alert color="red" variant="light" role="alert" data-testid="settings-stale">
      <Text size="sm">{t("settings.stale")}</Text>
      <Button size="xs" variant="white" color="red" mt="xs" onClick={reload}>
        {t("settings.loadLatest")}
      </Button>
    </Alert>
  );
}

function PauseSwitch({
  settings,
  admin,
  pause,
  reload,
}: {
  settings: Settings;
  admin: boolean;
  pause: UseMutationResult<Settings, Error, boolean>;
  reload: () => void;
}) {
  const t = useT();
  const pausedWords = usePausedWords();
  return (
    <Section title={t("settings.sending")} testId="settings-pause">
      <Text data-testid="sending-state" className={settings.paused ? "warning" : undefined}>
        {settings.paused ? pausedWords(settings) : t("settings.sendingNow")}
      </Text>
      {admin && (
        <Group>
          <Button
            color={settings.paused ? undefined : "red.9"}
            loading={pause.isPending}
            onClick={() => pause.mutate(!settings.paused)}
          >
            {settings.paused ? t("settings.resume") : t("settings.pauseAll")}
          </Button>
        </Group>
      )}
      {pause.isError && (isStale(pause.error) ? <Stale reload={reload} /> : <ErrorState error={pause.error} />)}
      {settings.email_paused && (
        <EmailPaused pause={settings.email_paused} zone={settings.timezone} admin={admin} />
      )}
    </Section>
  );
}

/** Email paused by SES's refusal of the account, with why and since when (in the workspace's
 * zone, as the notice atop every page says it); an admin resumes it. */
function EmailPaused({
  pause,
  zone,
  admin,
}: {
  pause: { reason: string; at: string };
  zone: string;
  admin: boolean;
}) {
  const { api } = useSession();
  const t = useT();
  const format = useFormat();
  const queries = useQueryClient();
  const resume = useMutation({
    mutationFn: () => api.call("POST", "/api/email/resume"),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["settings"] }),
  });
  return (
    <Stack gap="xs" data-testid="email-paused">
      <Text className="warning">
        {t("settings.emailPaused", { reason: pause.reason, at: format.dateTime(pause.at, zone), zone })}
      </Text>
      {admin && (
        <Group>
          <Button loading={resume.isPending} onClick={() => resume.mutate()}>
            {t("settings.resumeEmail")}
          </Button>
        </Group>
      )}
      {resume.isError && <ErrorState error={resume.error} />}
    </Stack>
  );
}

function PolicyForm({
  draft,
  setDraft,
  admin,
  save,
  reload,
}: {
  draft: Settings;
  setDraft: (next: Settings) => void;
  admin: boolean;
  save: UseMutationResult<Settings, Error, Settings>;
  reload: () => void;
}) {
  const t = useT();
  const format = useFormat();
  const intl = useIntl();
  const weekdayDate = (isoDay: string) =>
    intl.formatDate(`${isoDay}T12:00:00Z`, { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" });
  const words = useProblemWords();
  const byField = useProblemsByField()(save.error);
  const [keyword, setKeyword] = useState("");
  const [holiday, setHoliday] = useState("");
  const [now] = useState(() => new Date());
  const change = (edit: (next: Settings) => void) => {
    const next = structuredClone(draft);
    edit(next);
    setDraft(next);
  };
  /** aria-invalid, aria-describedby and the problem text of one field. */
  const field = (path: string) => {
    const found = fieldProblems(byField, path);
    const id = `problem-${path.replaceAll(".", "-")}`;
    return {
      props: found.length ? { "aria-invalid": true, "aria-describedby": id, error: found.map((m) => t("settings.serverSays", { message: m })).join(" ") } : {},
      found,
      id,
    };
  };
  const window = draft.send_window;
  let openings: Opening[] | null = null;
  try {
    openings = nextOpenings(window, draft.timezone, now);
  } catch {
    openings = null;
  }
  const zoneField = field("timezone");
  const countriesField = field("send_window.holiday_countries");
  const holidaysField = field("send_window.custom_holidays");
  const hoursField = field("send_window");
  // The window's own objection (it never opens) and any about its hours as a whole.
  const windowProblems = [...(byField.get("send_window") ?? []), ...(byField.get("send_window.hours") ?? [])];
  // Problems of fields this page does not show go with the save button.
  const elsewhere = [...byField.entries()]
    .filter(([path]) => !SHOWN.some((shown) => path === shown || path.startsWith(`${shown}.`)))
    .map(([path, found]) => `${fieldLabel(path, t)}: ${found.join(" ")}`);
  const number = (path: string, label: string, value: number, set: (s: Settings, v: number) => void, step = 1) => {
    const f = field(path);
    return (
      <NumberInput
        label={label}
        value={value}
        step={step}
        decimalScale={step < 1 ? 3 : 0}
        onChange={(v) => change((s) => set(s, typeof v === "number" ? v : Number(v)))}
        {...f.props}
        errorProps={{ id: f.id }}
      />
    );
  };
  const unit = (label: string, value: string, set: (s: Settings, v: string) => void) => (
    <NativeSelect
      label={label}
      value={value}
      data={UNITS.map((each) => ({ value: each, label: t(`settings.unit.${each}`) }))}
      onChange={(e) => {
        const chosen = e.currentTarget.value;
        change((s) => set(s, chosen));
      }}
    />
  );
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(draft);
      }}
    >
      <fieldset disabled={!admin} className="settings-fields">
        <legend className="visually-hidden">{t("settings.title")}</legend>
        <Section title={t("settings.hours")} testId="settings-hours">
          <TextInput
            label={t("settings.zone")}
            description={t("settings.zoneHint")}
            value={draft.timezone}
            onChange={(e) => {
              const value = e.currentTarget.value;
              change((s) => {
                s.timezone = value;
              });
            }}
            maw={320}
            {...zoneField.props}
            errorProps={{ id: zoneField.id }}
          />
          <Table className="responsive" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("settings.day")}</Table.Th>
                <Table.Th>{t("settings.open")}</Table.Th>
                <Table.Th>{t("settings.from")}</Table.Th>
                <Table.Th>{t("settings.until")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {WEEKDAYS.map((day) => {
                const ranges = window.hours[day] ?? [];
                const open = ranges.length > 0 && !window.blackout_days.includes(day);
                const dayName = t(`settings.weekday.${day}`);
                const dayField = field(`send_window.hours.${day}`);
                const setRange = (key: keyof TimeRange, value: string) =>
                  change((s) => {
                    const first = s.send_window.hours[day]?.[0] ?? { start: "08:00", end: "17:00" };
                    s.send_window.hours[day] = [{ ...first, [key]: value }, ...(s.send_window.hours[day]?.slice(1) ?? [])];
                  });
                return (
                  <Table.Tr key={day} data-testid="hours-row" data-day={day}>
                    <Table.Td data-label={t("settings.day")}>{dayName}</Table.Td>
                    <Table.Td data-label={t("settings.open")}>
                      <Checkbox
                        label={t("settings.openOn", { day: dayName })}
                        checked={open}
                        onChange={(e) => {
                          const checked = e.currentTarget.checked;
                          change((s) => {
                            const w = s.send_window;
                            if (checked) {
                              w.blackout_days = w.blackout_days.filter((d) => d !== day);
                              if (!w.hours[day]?.length) w.hours[day] = [{ start: "08:00", end: "17:00" }];
                            } else {
                              delete w.hours[day];
                              if (!w.blackout_days.includes(day)) w.blackout_days.push(day);
                            }
                          });
                        }}
                      />
                    </Table.Td>
                    <Table.Td data-label={t("settings.from")}>
                      {open && (
                        <TextInput
                          placeholder={t("settings.timePlaceholder")}
                          maxLength={5}
                          inputMode="numeric"
                          aria-label={t("settings.opensAt", { day: dayName })}
                          value={ranges[0].start}
                          onChange={(e) => setRange("start", e.currentTarget.value)}
                          {...dayField.props}
                          errorProps={{ id: dayField.id }}
                        />
                      )}
                    </Table.Td>
                    <Table.Td data-label={t("settings.until")}>
                      {open && (
                        <TextInput
                          placeholder={t("settings.timePlaceholder")}
                          maxLength={5}
                          inputMode="numeric"
                          aria-label={t("settings.closesAt", { day: dayName })}
                          value={ranges[0].end}
                          onChange={(e) => setRange("end", e.currentTarget.value)}
                          {...(dayField.found.length ? { "aria-invalid": true, "aria-describedby": dayField.id } : {})}
                        />
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
          <Problems id={hoursField.id} messages={windowProblems} />
          <Stack gap={4} data-testid="openings" aria-live="polite">
            <Text fw={600}>{t("settings.nextOpenings", { zone: draft.timezone })}</Text>
            {openings === null && <Text c="dimmed">{t("settings.noZone")}</Text>}
            {openings?.length === 0 && <Text c="dimmed">{t("settings.neverOpens")}</Text>}
            {!!openings?.length && (
              <ol className="openings">
                {openings.map((o) => (
                  <li key={`${o.day}-${o.start}`} data-testid="opening">
                    {t(o.now ? "settings.openNow" : "settings.opening", {
                      day: weekdayDate(o.day),
                      start: o.start,
                      end: o.end,
                    })}
                  </li>
                ))}
              </ol>
            )}
            <Text size="sm" c="dimmed">
              {t("settings.openingsNote")}
            </Text>
          </Stack>
        </Section>

        <Section title={t("settings.holidays")} testId="settings-holidays">
          <TextInput
            label={t("settings.countries")}
            description={t("settings.countriesHint")}
            value={window.holiday_countries.join(", ")}
            maw={420}
            onChange={(e) => {
              const codes = e.currentTarget.value
                .split(",")
                .map((c) => c.trim().toUpperCase())
                .filter(Boolean);
              change((s) => {
                s.send_window.holiday_countries = codes;
              });
            }}
            {...countriesField.props}
            errorProps={{ id: countriesField.id }}
          />
          <Group align="end" gap="xs">
            <DayField
              label={t("settings.customDate")}
              value={holiday}
              onChange={setHoliday}
              {...holidaysField.props}
              errorProps={{ id: holidaysField.id }}
            />
            <Button
              variant="default"
              disabled={!holiday || window.custom_holidays.includes(holiday)}
              onClick={() => {
                change((s) => {
                  s.send_window.custom_holidays = [...s.send_window.custom_holidays, holiday].sort();
                });
                setHoliday("");
              }}
            >
              {t("settings.addDate")}
            </Button>
          </Group>
          {window.custom_holidays.length === 0 ? (
            <Empty>{t("settings.noCustomDates")}</Empty>
          ) : (
            <ul className="chips" data-testid="custom-holidays">
              {window.custom_holidays.map((day) => (
                <li key={day}>
                  {format.day(day)}{" "}
                  {admin && (
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      aria-label={t("settings.removeDate", { day: format.day(day) })}
                      onClick={() =>
                        change((s) => {
                          s.send_window.custom_holidays = s.send_window.custom_holidays.filter((d) => d !== day);
                        })
                      }
                    >
                      ×
                    </Button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </Section>

        <Section title={t("settings.optOut")} testId="settings-optout">
          <Text size="sm" c="dimmed">
            {t("settings.optOutHint")}
          </Text>
          {draft.opt_out_keywords.length === 0 ? (
            <Empty>{t("settings.noKeywords")}</Empty>
          ) : (
            <ul className="chips" data-testid="keywords">
              {draft.opt_out_keywords.map((word) => (
                <li key={word}>
                  <Badge variant="light" tt="none">
                    {word}
                  </Badge>
                </li>
              ))}
            </ul>
          )}
          {admin && (
            <Group align="end" gap="xs">
              <TextInput
                label={t("settings.newKeyword")}
                value={keyword}
                onChange={(e) => setKeyword(e.currentTarget.value)}
                {...field("opt_out_keywords").props}
                errorProps={{ id: field("opt_out_keywords").id }}
              />
              <Button
                variant="default"
                disabled={!keyword.trim() || draft.opt_out_keywords.includes(keyword.trim())}
                onClick={() => {
                  change((s) => {
                    s.opt_out_keywords = [...s.opt_out_keywords, keyword.trim()];
                  });
                  setKeyword("");
                }}
              >
                {t("settings.addKeyword")}
              </Button>
            </Group>
          )}
        </Section>

        <Section title={t("settings.caps")} testId="settings-caps">
          <div className="settings-grid">
            <Checkbox
              label={t("settings.skipHot")}
              checked={draft.gating.skip_hot}
              onChange={(e) => {
                const checked = e.currentTarget.checked;
                change((s) => {
                  s.gating.skip_hot = checked;
                });
              }}
            />
            {number("gating.cold_max_followups", t("settings.coldMax"), draft.gating.cold_max_followups, (s, v) => {
              s.gating.cold_max_followups = v;
            })}
            {number("gating.frequency_cap.max_sends", t("settings.capSends"), draft.gating.frequency_cap.max_sends, (s, v) => {
              s.gating.frequency_cap.max_sends = v;
            })}
            {number("gating.frequency_cap.per", t("settings.capPer"), draft.gating.frequency_cap.per.amount, (s, v) => {
              s.gating.frequency_cap.per.amount = v;
            })}
            {unit(t("settings.capUnit"), draft.gating.frequency_cap.per.unit, (s, v) => {
              s.gating.frequency_cap.per.unit = v;
            })}
            {number("gating.min_gap", t("settings.minGap"), draft.gating.min_gap.amount, (s, v) => {
              s.gating.min_gap.amount = v;
            })}
            {unit(t("settings.minGapUnit"), draft.gating.min_gap.unit, (s, v) => {
              s.gating.min_gap.unit = v;
            })}
            {number("max_attempts", t("settings.maxAttempts"), draft.max_attempts, (s, v) => {
              s.max_attempts = v;
            })}
            {number("withheld_attempts", t("settings.withheldAttempts"), draft.withheld_attempts, (s, v) => {
              s.withheld_attempts = v;
            })}
            {number("mass_send_limit", t("settings.massSend"), draft.mass_send_limit, (s, v) => {
              s.mass_send_limit = v;
            })}
            {number("review.min_response_rate", t("settings.minResponse"), draft.review.min_response_rate, (s, v) => {
              s.review.min_response_rate = v;
            }, 0.01)}
            {number("review.max_opt_out_rate", t("settings.maxOptOut"), draft.review.max_opt_out_rate, (s, v) => {
              s.review.max_opt_out_rate = v;
            }, 0.01)}
            {number("review.min_opt_out_sample", t("settings.minSample"), draft.review.min_opt_out_sample, (s, v) => {
              s.review.min_opt_out_sample = v;
            })}
            {number("review.min_response_sample", t("settings.minResponseSample"), draft.review.min_response_sample, (s, v) => {
              s.review.min_response_sample = v;
            })}
            <Checkbox
              label={t("settings.pauseOnSpike")}
              checked={draft.review.pause_on_opt_out_spike}
              onChange={(e) => {
                const checked = e.currentTarget.checked;
                change((s) => {
                  s.review.pause_on_opt_out_spike = checked;
                });
              }}
            />
          </div>
        </Section>
      </fieldset>
      {admin && (
        <Stack gap="xs" mt="md">
          {save.isError && isStale(save.error) && <Stale reload={reload} />}
          {save.isError && !isStale(save.error) && (
            <Alert color="red" variant="light" role="alert">
              {save.error instanceof ApiError && save.error.code === "invalid"
                ? t("settings.invalid")
                : words(save.error)}
              {elsewhere.map((problem) => (
                <Text key={problem} size="sm">
                  {t("settings.serverSays", { message: problem })}
                </Text>
              ))}
            </Alert>
          )}
          {save.isSuccess && !save.isError && (
            <Text role="status" data-testid="settings-saved">
              {t("settings.saved")}
            </Text>
          )}
          <Group>
            <Button type="submit" loading={save.isPending}>
              {t("settings.save")}
            </Button>
          </Group>
        </Stack>
      )}
    </form>
  );
}

function Numbers({ admin }: { admin: boolean }) {
  const { api } = useSession();
  const t = useT();
  const format = useFormat();
  const numberPauseWords = useNumberPauseWords();
  const queries = useQueryClient();
  const numbers = useNumbers();
  // A pause's start in the workspace's zone, as the notice atop every page says it.
  const zone = useWorkspaceZone() ?? "UTC";
  const resume = useMutation({
    mutationFn: (id: string) => api.call("POST", `/api/numbers/${encodeURIComponent(id)}/resume`),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["numbers"] }),
  });
  return (
    <Section title={t("settings.numbers")} testId="settings-numbers">
      {numbers.isPending && <Loading />}
      {numbers.isError && <ErrorState error={numbers.error} retry={() => numbers.refetch()} />}
      {numbers.data?.sending_paused && (
        <Text className="warning" data-testid="numbers-paused">
          {t("settings.numbersPaused", { why: numbers.data.sending_paused })}
        </Text>
      )}
      {numbers.data?.numbers.length === 0 && (
        <>
          <Empty>{t("settings.noNumbers")}</Empty>
          <Stack gap={4} maw="32rem" data-testid="portfolio-limit">
            <Text size="sm" fw={600}>
              {t("settings.limit")}
            </Text>
            <LimitUse use={numbers.data.messaging_limit} />
            <Pacing use={numbers.data.messaging_limit} paused={false} />
          </Stack>
        </>
      )}
      {!!numbers.data?.numbers.length && (
        <Table className="responsive" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("settings.number")}</Table.Th>
              <Table.Th>{t("settings.quality")}</Table.Th>
              <Table.Th>{t("settings.status")}</Table.Th>
              <Table.Th>{t("settings.pausedReason")}</Table.Th>
              <Table.Th>{t("settings.limit")}</Table.Th>
              <Table.Th>{t("settings.pacing")}</Table.Th>
              <Table.Th>{t("settings.updated")}</Table.Th>
              <Table.Th>{t("settings.action")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {numbers.data.numbers.map((n) => (
              <Table.Tr key={n.phone_number_id} data-testid="number-row" data-paused={n.paused}>
                <Table.Td data-label={t("settings.number")}>
                  <Text size="sm">{n.display_phone_number ? `+${n.display_phone_number}` : n.phone_number_id}</Text>
                  {n.default && n.configured && (
                    <Text size="xs" c="dimmed" data-testid="number-default">
                      {t("settings.numberDefault")}
                    </Text>
                  )}
                  {!n.configured && (
                    <Text size="xs" className="warning" data-testid="number-unconfigured">
                      {t("settings.numberUnconfigured")}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td data-label={t("settings.quality")}>{known(`quality.${n.quality}`, t, n.quality)}</Table.Td>
                <Table.Td data-label={t("settings.status")}>
                  <Badge color={n.paused ? "red.9" : "teal.9"} variant="outline">
                    {n.paused ? t("settings.numberPaused") : t("settings.numberActive")}
                  </Badge>
                </Table.Td>
                <Table.Td data-label={t("settings.pausedReason")}>
                  {n.paused && numberPauseWords(n)}
                  {n.paused && n.paused_at && (
                    <Text size="xs" c="dimmed" data-testid="number-paused-since">
                      {t("settings.numberPausedSince", { at: format.dateTime(n.paused_at, zone), zone })}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td data-label={t("settings.limit")}>
                  <LimitUse use={numbers.data.messaging_limit} />
                </Table.Td>
                <Table.Td data-label={t("settings.pacing")}>
                  <Pacing use={numbers.data.messaging_limit} paused={n.paused} rate={n.sends_per_second} />
                </Table.Td>
                <Table.Td data-label={t("settings.updated")}>
                  {n.updated_at ? `${format.dateTime(n.updated_at, "UTC")} (UTC)` : t("settings.noReportYet")}
                </Table.Td>
                <Table.Td data-label={t("settings.action")}>
                  {admin && n.paused && (
                    <Button
                      size="xs"
                      loading={resume.isPending && resume.variables === n.phone_number_id}
                      onClick={() => resume.mutate(n.phone_number_id)}
                    >
                      {t("settings.resumeNumber")}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {resume.isError && <ErrorState error={resume.error} />}
    </Section>
  );
}

function Templates({ canSync }: { canSync: boolean }) {
  const { api } = useSession();
  const t = useT();
  const format = useFormat();
  const queries = useQueryClient();
  const catalogue = useQuery({ queryKey: ["templates"], queryFn: () => api.get<Catalogue>("/api/templates") });
  const sync = useMutation({
    mutationFn: () => api.call<Catalogue>("POST", "/api/templates/sync"),
    onSuccess: (found) => queries.setQueryData(["templates"], found),
  });
  const data = catalogue.data;
  return (
    <Section title={t("settings.templates")} testId="settings-templates">
      {data && (
        <Text size="sm" c="dimmed">
          {data.synced_at ? t("settings.syncedAt", { at: format.dateTime(data.synced_at, "UTC") }) : t("settings.neverSynced")}
        </Text>
      )}
      {canSync && (
        <Group>
          <Button variant="default" loading={sync.isPending} onClick={() => sync.mutate()}>
            {t("settings.syncNow")}
          </Button>
        </Group>
      )}
      {sync.isError && <ErrorState error={sync.error} />}
      {data?.marketing_api_refused && (
        <Alert color="yellow" variant="light" data-testid="marketing-fallback">
          {t("settings.marketingFallback", { why: data.marketing_api_refused })}
        </Alert>
      )}
      {catalogue.isPending && <Loading />}
      {catalogue.isError && <ErrorState error={catalogue.error} retry={() => catalogue.refetch()} />}
      {data?.templates.length === 0 && <Empty>{t("settings.noTemplates")}</Empty>}
      {!!data?.templates.length && (
        <Table className="responsive" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("settings.templateName")}</Table.Th>
              <Table.Th>{t("settings.templateLanguage")}</Table.Th>
              <Table.Th>{t("settings.category")}</Table.Th>
              <Table.Th>{t("settings.status")}</Table.Th>
              <Table.Th>{t("settings.quality")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.templates.map((tpl) => (
              <Table.Tr key={`${tpl.name}-${tpl.language}`} data-testid="template-row">
                <Table.Td data-label={t("settings.templateName")}>{tpl.name}</Table.Td>
                <Table.Td data-label={t("settings.templateLanguage")}>{tpl.language}</Table.Td>
                <Table.Td data-label={t("settings.category")}>
                  {known(`category.${tpl.category.toLowerCase()}`, t, tpl.category)}
                </Table.Td>
                <Table.Td data-label={t("settings.status")}>
                  {t(statusKey(tpl.status))}
                  {tpl.reason ? ` (${tpl.reason})` : ""}
                </Table.Td>
                <Table.Td data-label={t("settings.quality")}>{known(`quality.${tpl.quality}`, t, tpl.quality)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Section>
  );
}
