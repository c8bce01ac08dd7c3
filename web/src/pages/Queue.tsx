import { Badge, Button, Checkbox, Group, NativeSelect, Stack, Table, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import {
  type InfiniteData,
  type QueryClient,
  type QueryKey,
  useInfiniteQuery,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link } from "react-router";
import { ApiError, type FollowUp } from "../api";
import { DayField } from "../DayField";
import { apiTime, dayEnd, dayStart, days } from "../days";
import { useErrorWords, useSkipWords } from "../explain";
import { leadName, useFormat } from "../format";
import type { MessageId } from "../i18n/en";
import { useT } from "../i18n/locale";
import { type FeedState, openFeed } from "../live";
import { Empty, ErrorState, Loading, useProblemWords } from "../problems";
import { useRules, useSession, useWorkspaceZone } from "../session";
import { useUrlParams } from "../urlParams";
import { useLatest } from "../useLatest";
import { PUT_OFF, useReasonWords, useWaitWords, useWindowBanner } from "../waiting";
import { BulkCancel, MAX_CANCEL, UNSENT } from "./BulkCancel";
import { FollowUpDrawer } from "./FollowUpDetails";

export const STATUSES = [
  "queued",
  "waiting_template",
  "sending",
  "sent",
  "delivered",
  "read",
  "responded",
  "expired",
  "failed",
  "canceled",
  "opted_out",
  "skipped",
] as const;
// Dark shades only: badge text stays readable (WCAG AA) on white.
export const COLOURS: Record<string, string> = {
  queued: "gray.7",
  waiting_template: "orange.9",
  sending: "blue.8",
  sent: "blue.8",
  delivered: "teal.9",
  read: "teal.9",
  responded: "green.9",
  expired: "gray.7",
  failed: "red.9",
  canceled: "gray.7",
  opted_out: "grape.9",
  skipped: "indigo.9",
};

interface QueuePage {
  followups: FollowUp[];
  cursor: string | null;
  /** Every follow-up of the period's UTC days (of the chosen rule) by its status now. */
  counts: Record<string, number>;
}
type Pages = InfiniteData<QueuePage, string | null>;
const rowsOf = (data: InfiniteData<QueuePage, unknown> | undefined) => data?.pages.flatMap((p) => p.followups) ?? [];

export function useStatusWords(): (status: string) => string {
  const t = useT();
  return (status) => ((STATUSES as readonly string[]).includes(status) ? t(`status.${status}` as MessageId) : status);
}

/** When the counts are asked for again after a change: soon (at most this long after any
 * change, however many follow), and once more this long after the last one, past the stats
 * function's longest batching window (it counts a change within a minute; locally within a
 * second). */
const RECOUNT_SOON_MS = 2_000;
const RECOUNT_LATE_MS = 65_000;

/** How long after a change the rows are read again, at most, however many changes follow. */
const RELOAD_SOON_MS = 1_000;

/** How often the rows shown are read again while the page is open: a change whose every
 * push was lost for good (a batch the broadcaster gave up on never says `resync`) shows
 * within this long. */
export const RESYNC_EVERY_MS = 5 * 60_000;

/** How long the rows wait for the feed to open before they are read anyway; they are read
 * again once it opens, as after a drop. */
const FEED_WAIT_MS = 3_000;

/** The longest send-time range the queue asks for; one missing end reaches this far from the other. */
const LONGEST_RANGE_DAYS = 60;

/** The query for a send-time range (days in `zone`), or a problem the reader can fix first. */
function sendRange(
  sendFrom: string,
  sendTo: string,
  zone: string,
): { query: Record<string, string> } | { problem: "backwards" | "tooLong" } {
  if (!sendFrom && !sendTo) return { query: {} };
  const start = sendFrom ? dayStart(sendFrom, zone) : null;
  const end = sendTo ? dayEnd(sendTo, zone) : null;
  if (start && end && start > end) return { problem: "backwards" };
  if (start && end && end.getTime() - start.getTime() > days(LONGEST_RANGE_DAYS)) return { problem: "tooLong" };
  const from = start ?? new Date((end as Date).getTime() - days(LONGEST_RANGE_DAYS));
  const to = end ?? new Date(from.getTime() + days(LONGEST_RANGE_DAYS));
  return { query: { from: apiTime(from), to: apiTime(to) } };
}

/** The UTC days the counts cover when a range does not start and end on them, else null. */
function countedDays(query: Record<string, string>): { first: string; last: string } | null {
  if (!query.from || !query.to) return null;
  if (query.from.endsWith("T00:00:00Z") && query.to.endsWith("T23:59:59Z")) return null;
  return { first: query.from.slice(0, 10), last: query.to.slice(0, 10) };
}

export function QueuePage() {
  const { api, session } = useSession();
  const t = useT();
  const format = useFormat();
  const statusWords = useStatusWords();
  const reasonWords = useReasonWords();
  const errorWords = useErrorWords();
  const skipWords = useSkipWords();
  const waitWords = useWaitWords();
  const windowBanner = useWindowBanner();
  const workspaceZone = useWorkspaceZone();
  const rules = useRules();
  const queries = useQueryClient();
  const [params, setParams] = useUrlParams();
  const status = params.get("status") ?? "";
  const rule = params.get("rule") ?? "";
  const search = params.get("q") ?? "";
  const sendFrom = params.get("sendFrom") ?? "";
  const sendTo = params.get("sendTo") ?? "";
  const opened = params.get("open");
  const sort = params.get("sort") === "oldest" ? "oldest" : "newest";
  const [needle] = useDebouncedValue(search.trim(), 300);
  const [feed, setFeed] = useState<FeedState>("connecting");
  // The rows are read once the feed listens (or has failed to), never before: a change made
  // while they are on their way is pushed, not lost in between. The feed stays open while
  // the filters change, so rows read for new filters are covered too.
  const [feedSettled, setFeedSettled] = useState(false);
  const readWithoutFeed = useRef(false);
  const canCancel = session.role !== "counselor";
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const range = !sendFrom && !sendTo ? { query: {} } : workspaceZone ? sendRange(sendFrom, sendTo, workspaceZone) : null;
  const rangeQuery = range && "query" in range ? range.query : null;
  const rangeProblem = range && "problem" in range ? range.problem : null;
  const rangeKey = rangeQuery ? new URLSearchParams(rangeQuery).toString() : null;
  const key = useMemo(() => ["queue", status, rule, needle, rangeKey, sort], [status, rule, needle, rangeKey, sort]);
  const keyText = JSON.stringify(key);
  // Filters changed: rows no longer shown must not stay selected for a cancel.
  useEffect(() => setSelected(new Set()), [keyText]);
  const filtered = needle !== "" || !!sendFrom || !!sendTo;
  const [rangeFrom, rangeTo] = [rangeQuery?.from, rangeQuery?.to];
  /** Whether a follow-up still matches the filters this page can check (not the search). */
  const matches = useCallback(
    (f: FollowUp) => {
      if ((status && f.status !== status) || (rule && f.rule_id !== rule)) return false;
      const at = Date.parse(f.scheduled_at);
      return !((rangeFrom && at < Date.parse(rangeFrom)) || (rangeTo && at > Date.parse(rangeTo)));
    },
    [status, rule, rangeFrom, rangeTo],
  );
  // Rows that stopped matching the filters while shown stay where they were, with their new
  // status, until the filters change: a row never slips away from under the pointer.
  const [left, setLeft] = useState<{ key: string; rows: Map<string, FollowUp> }>({ key: keyText, rows: new Map() });
  if (left.key !== keyText) setLeft({ key: keyText, rows: new Map() });
  const leftRows = left.key === keyText ? left.rows : NONE;
  const leftNow = useLatest(leftRows);
  const setParam = (name: string, value: string) =>
    setParams(
      (next) => {
        if (value) next.set(name, value);
        else next.delete(name);
      },
      { replace: name !== "open" },
    );

  const pages = useInfiniteQuery({
    queryKey: key,
    initialPageParam: null as string | null,
    enabled: rangeQuery !== null && feedSettled,
    queryFn: async ({ pageParam }) => {
      const query = new URLSearchParams({ limit: "50", ...rangeQuery });
      if (sort === "oldest") query.set("sort", "earliest");
      if (status) query.set("status", status);
      if (rule) query.set("rule", rule);
      if (needle) query.set("q", needle);
      if (pageParam) query.set("cursor", pageParam);
      const page = await api.get<QueuePage>(`/api/queue?${query}`);
      // A live change may land while the page is on its way: never let the older copy win.
      const seen = new Map(rowsOf(queries.getQueryData<Pages>(key)).map((row) => [row.id, row]));
      return { ...page, followups: page.followups.map((row) => newest(seen.get(row.id), row)) };
    },
    getNextPageParam: (last) => last.cursor,
    refetchInterval: RESYNC_EVERY_MS,
  });

  // The counts of the whole period come with the rows; a status change moves them, so the
  // feed asks for them again (apart from the rows, which it updates in place).
  const countsKey = useMemo(() => ["queue-counts", rule, rangeKey], [rule, rangeKey]);
  const countsKeyNow = useLatest(countsKey);
  const [recounted, setRecounted] = useState(false);
  const counts = useQuery({
    queryKey: countsKey,
    enabled: recounted && rangeQuery !== null,
    queryFn: async () => {
      const query = new URLSearchParams({ limit: "1", ...rangeQuery });
      if (rule) query.set("rule", rule);
      return (await api.get<QueuePage>(`/api/queue?${query}`)).counts;
    },
  });
  // Asked again soon, and once more after the stats function's longest batching window. A
  // recount already asked for stays: a steady run of changes moves the counts every
  // RECOUNT_SOON_MS instead of holding them until it ends (`readAfresh`).
  const countsTimers = useRef<{ soon?: number; late?: number }>({});
  const reloadCountsSoon = useCallback(() => {
    const recount = () => {
      setRecounted(true);
      readAfresh(queries, countsKeyNow.current);
    };
    const timers = countsTimers.current;
    if (timers.soon === undefined)
      timers.soon = window.setTimeout(() => {
        timers.soon = undefined;
        recount();
      }, RECOUNT_SOON_MS);
    window.clearTimeout(timers.late);
    timers.late = window.setTimeout(recount, RECOUNT_LATE_MS);
  }, [queries, countsKeyNow]);
  useEffect(
    () => () => {
      window.clearTimeout(countsTimers.current.soon);
      window.clearTimeout(countsTimers.current.late);
      countsTimers.current = {};
    },
    [],
  );

  // The feed does not say whether a queued follow-up waits for the send window, nor who its
  // lead is: ask the API. A read already asked for stays, so a steady run of changes does not
  // hold a new row back until it ends (`readAfresh`).
  const reloadTimer = useRef<number | undefined>(undefined);
  const reloadSoon = useCallback(() => {
    if (reloadTimer.current !== undefined) return;
    reloadTimer.current = window.setTimeout(() => {
      reloadTimer.current = undefined;
      readAfresh(queries, key);
    }, RELOAD_SOON_MS);
  }, [queries, key]);
  useEffect(
    () => () => {
      window.clearTimeout(reloadTimer.current);
      reloadTimer.current = undefined;
    },
    [],
  );

  // A change the feed brings: shown in its row at once, the counts asked for again.
  const applyChanges = useCallback(
    (changed: FollowUp[]) => {
      const shown = [...rowsOf(queries.getQueryData<Pages>(key)), ...leftNow.current.values()];
      const shownById = new Map(shown.map((row) => [row.id, row]));
      queries.setQueryData<Pages>(key, (data) => {
        if (!data) return data;
        const current = rowsOf(data);
        const byId = new Map(current.map((row) => [row.id, row]));
        for (const f of changed) if (byId.has(f.id)) byId.set(f.id, stillWaiting(f, byId.get(f.id)));
        return {
          ...data,
          pages: data.pages.map((page) => ({
            ...page,
            followups: page.followups.map((row) => byId.get(row.id) ?? row),
          })),
        };
      });
      // Where a new or rescheduled row goes, and how the counts move, the API says: it
      // sorts every follow-up of the period, not the rows loaded here.
      const unknown = (f: FollowUp) =>
        !shown.some((row) => row.id === f.id && (f.status !== "queued" || row.scheduled_at === f.scheduled_at));
      if (changed.some(unknown)) reloadSoon();
      // The rows read again carry counts too, but the stats function may not have counted
      // the change yet: asked for again all the same.
      reloadCountsSoon();
      const leaving = changed.filter((f) => shownById.has(f.id) && (!matches(f) || leftNow.current.has(f.id)));
      if (leaving.length > 0)
        setLeft((current) => {
          const rows = new Map(current.key === keyText ? current.rows : []);
          for (const f of leaving) rows.set(f.id, stillWaiting(f, rows.get(f.id) ?? shownById.get(f.id)));
          return { key: keyText, rows };
        });
      // An open details drawer shows the change too.
      for (const f of changed) queries.invalidateQueries({ queryKey: ["followup", f.id] });
    },
    [queries, key, keyText, matches, reloadSoon, reloadCountsSoon],
  );

  // Changes the feed brings before the rows have come wait for them: the rows on their way
  // may be older or newer than a change, and the newer copy wins.
  const early = useRef(new Map<string, FollowUp>());
  useEffect(() => {
    if (!pages.data || early.current.size === 0) return;
    const fetched = new Map(rowsOf(pages.data).map((row) => [row.id, row]));
    const changes = [...early.current.values()];
    early.current.clear();
    const newer = changes.filter((f) => {
      const row = fetched.get(f.id);
      return !row || newest(f, row) === f;
    });
    if (newer.length > 0) applyChanges(newer);
  }, [pages.data, applyChanges]);

  // The one feed of the page, opened once: it reads the filters of the moment through `live`.
  const live = useLatest({ key, applyChanges, reloadSoon });
  useEffect(() => {
    // What changed while the feed was not listening never came: ask for the rows shown again,
    // and the pauses the notice above them says.
    const readAgain = () => {
      queries.invalidateQueries({ queryKey: live.current.key });
      queries.invalidateQueries({ queryKey: ["followup"] });
      queries.invalidateQueries({ queryKey: ["settings"], exact: true });
      queries.invalidateQueries({ queryKey: ["numbers"] });
    };
    const waited = window.setTimeout(() => {
      readWithoutFeed.current = true;
      setFeedSettled(true);
    }, FEED_WAIT_MS);
    const close = openFeed(session.wsUrl, api.token, {
      onFollowUps: (changed) => {
        if (queries.getQueryData<Pages>(live.current.key)) return live.current.applyChanges(changed);
        for (const f of changed) {
          early.current.set(f.id, newest(early.current.get(f.id), f));
          queries.invalidateQueries({ queryKey: ["followup", f.id] });
        }
      },
      // Too large to push: the rows and an open details drawer fetch them.
      onReload: (ids) => {
        for (const id of ids) queries.invalidateQueries({ queryKey: ["followup", id] });
        live.current.reloadSoon();
      },
      onState: (state) => {
        setFeed(state);
        if (state === "connecting") return;
        window.clearTimeout(waited);
        setFeedSettled(true);
        // Read while the feed was slow to open: read again now it listens. Once it failed,
        // its coming back reads them again (`onResumed`).
        if (state === "live" && readWithoutFeed.current) readAgain();
        readWithoutFeed.current = false;
      },
      // Back after a drop, or the server could not push to this app (it says `resync`).
      onResumed: readAgain,
    });
    return () => {
      window.clearTimeout(waited);
      close();
    };
  }, [session, api, queries]);

  // A follow-up asked for again (an approval someone else decided first): shown in its row
  // at once, kept in place if it no longer matches the filters, as a change the feed brings.
  const reloaded = useCallback(
    (fresh: FollowUp) => {
      queries.setQueryData<Pages>(key, (data) => data && {
        ...data,
        pages: data.pages.map((page) => ({
          ...page,
          followups: page.followups.map((row) => (row.id === fresh.id ? newest(row, fresh) : row)),
        })),
      });
      if (!matches(fresh) || leftNow.current.has(fresh.id))
        setLeft((current) => {
          const rows = new Map(current.key === keyText ? current.rows : []);
          rows.set(fresh.id, newest(rows.get(fresh.id), fresh));
          return { key: keyText, rows };
        });
      queries.invalidateQueries({ queryKey: ["followup", fresh.id] });
      reloadCountsSoon();
    },
    [queries, key, keyText, matches, reloadCountsSoon],
  );

  const rows = withLeft(rowsOf(pages.data), leftRows, sort);
  const ruleNames = new Map((rules.data ?? []).map((r) => [r.id, r.name]));
  const countsNewer = counts.data && counts.dataUpdatedAt > pages.dataUpdatedAt;
  const counted = (countsNewer ? counts.data : pages.data?.pages[0]?.counts) ?? {};
  const countList = STATUSES.map((s) => [s, counted[s] ?? 0] as const).filter(([, n]) => n);
  const countsCover = rangeQuery ? countedDays(rangeQuery) : null;
  const banner = windowBanner(rows);
  const ruleOptions = [...(rules.data ?? []).map((r) => ({ value: r.id, label: r.name }))];
  if (rule && !ruleNames.has(rule)) ruleOptions.push({ value: rule, label: rule });
  const selectable = (f: FollowUp) => canCancel && (UNSENT.has(f.status) || selected.has(f.id));
  const shownSelectable = rows.filter(selectable);
  const allSelected = shownSelectable.length > 0 && shownSelectable.every((f) => selected.has(f.id));
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else if (next.size < MAX_CANCEL) next.add(id);
      return next;
    });
  const rangeWords = rangeProblem === "backwards" ? t("queue.rangeBackwards") : rangeProblem ? t("queue.rangeTooLong", { days: LONGEST_RANGE_DAYS }) : "";

  return (
    <Stack gap="sm">
      <Group justify="space-between" wrap="wrap">
        <Title order={2}>{t("queue.title")}</Title>
        <Text span size="sm" role="status" data-state={feed} className={`feed ${feed}`}>
          {feed === "live" ? t("queue.live") : feed === "connecting" ? t("queue.connecting") : t("queue.disconnected")}
        </Text>
      </Group>
      <Group align="start" gap="sm" wrap="wrap" className="filters">
        <TextInput
          type="search"
          label={t("queue.search")}
          maxLength={100}
          value={search}
          onChange={(e) => setParam("q", e.currentTarget.value)}
        />
        <NativeSelect
          label={t("queue.status")}
          value={status}
          onChange={(e) => setParam("status", e.currentTarget.value)}
          data={[{ value: "", label: t("status.any") }, ...STATUSES.map((s) => ({ value: s, label: statusWords(s) }))]}
        />
        <NativeSelect
          label={t("queue.rule")}
          value={rule}
          onChange={(e) => setParam("rule", e.currentTarget.value)}
          data={[{ value: "", label: t("queue.anyRule") }, ...ruleOptions]}
        />
        <DayField
          label={t("queue.sendFrom")}
          value={sendFrom}
          onChange={(day) => setParam("sendFrom", day)}
          error={rangeProblem ? true : undefined}
          aria-describedby={rangeProblem ? "range-problem" : undefined}
        />
        <DayField
          label={t("queue.sendTo")}
          value={sendTo}
          onChange={(day) => setParam("sendTo", day)}
          error={rangeProblem ? true : undefined}
          aria-describedby={rangeProblem ? "range-problem" : undefined}
        />
        <NativeSelect
          label={t("queue.sort")}
          value={sort}
          onChange={(e) => setParam("sort", e.currentTarget.value === "newest" ? "" : e.currentTarget.value)}
          data={[
            { value: "newest", label: t("queue.sortNewest") },
            { value: "oldest", label: t("queue.sortOldest") },
          ]}
        />
      </Group>
      {rangeWords && (
        <Text id="range-problem" className="problem" role="alert" data-testid="range-problem">
          {rangeWords}
        </Text>
      )}
      {(sendFrom || sendTo) && workspaceZone && !rangeProblem && (
        <Text size="sm" c="dimmed">
          {t("queue.rangeZone", { zone: workspaceZone })}
        </Text>
      )}
      {countList.length > 0 && (
        <Group gap="xs" role="list" aria-label={t("queue.counts")} data-testid="status-counts">
          {countList.map(([s, n]) => (
            <Badge key={s} role="listitem" color={COLOURS[s]} variant="outline" data-status={s}>
              {t("queue.count", { status: statusWords(s), count: n })}
            </Badge>
          ))}
        </Group>
      )}
      {countList.length > 0 && countsCover && (
        <Text size="xs" c="dimmed" data-testid="counts-cover">
          {t("queue.countsCover", { first: format.day(countsCover.first), last: format.day(countsCover.last) })}
        </Text>
      )}
      {banner && (
        <Text className="waiting-banner" data-testid="window-banner">
          {banner}
        </Text>
      )}
      {canCancel && <BulkCancel selected={selected} rows={rows} onDone={() => {
        // The rows cancelled here leave the list (those still matching come back with it).
        const done = selected;
        setSelected(new Set());
        setLeft({ key: keyText, rows: new Map([...leftRows].filter(([id]) => !done.has(id))) });
        queries.setQueryData<Pages>(key, (data) => data && {
          ...data,
          pages: data.pages.map((page) => ({ ...page, followups: page.followups.filter((f) => !done.has(f.id)) })),
        });
        queries.invalidateQueries({ queryKey: ["queue"] });
      }} />}
      {(pages.isLoading || (rangeQuery !== null && !feedSettled)) && <Loading />}
      {pages.isError && <ErrorState error={pages.error} retry={() => pages.refetch()} />}
      {rows.length > 0 && (
        <Table className="responsive" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              {canCancel && (
                <Table.Th>
                  <Checkbox
                    aria-label={t("queue.selectAll")}
                    checked={allSelected}
                    disabled={shownSelectable.length === 0}
                    onChange={() =>
                      setSelected(
                        allSelected ? new Set() : new Set(shownSelectable.slice(0, MAX_CANCEL).map((f) => f.id)),
                      )
                    }
                  />
                </Table.Th>
              )}
              <Table.Th>{t("queue.contact")}</Table.Th>
              <Table.Th>{t("queue.rule")}</Table.Th>
              <Table.Th>{t("queue.scheduled")}</Table.Th>
              <Table.Th>{t("queue.status")}</Table.Th>
              <Table.Th>{t("queue.why")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((f) => {
              const zone = f.zone ?? workspaceZone ?? "UTC";
              const waits = waitWords(f);
              // A gap kept, or a call back waited for, is said beside the send time (`waits`), not twice.
              const putOff = PUT_OFF.some((code) => code === f.reason);
              const why = errorWords(f) || (putOff ? "" : reasonWords(f.reason, f.reason_code));
              const name = leadName(f.contact_name, f.contact_number, f.contact_id);
              return (
                <Table.Tr key={f.id} data-testid="followup-row" data-id={f.id} data-status={f.status}>
                  {canCancel && (
                    <Table.Td>
                      {selectable(f) && (
                        <Checkbox
                          aria-label={t("queue.select", { name })}
                          checked={selected.has(f.id)}
                          onChange={() => toggle(f.id)}
                        />
                      )}
                    </Table.Td>
                  )}
                  <Table.Td data-label={t("queue.contact")}>
                    <Link to={`/contacts/${encodeURIComponent(f.contact_id)}`}>{name}</Link>
                    {f.contact_number && (
                      <Text size="xs" c="dimmed" className="number">
                        +{f.contact_number}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td data-label={t("queue.rule")}>
                    {ruleNames.get(f.rule_id) ?? f.rule_id}
                    <Text size="xs" c="dimmed">
                      {f.rule_id}
                    </Text>
                  </Table.Td>
                  <Table.Td data-label={t("queue.scheduled")}>
                    {t("time.inZone", { time: format.dateTime(f.scheduled_at, zone), zone })}
                    {waits && (
                      <Text size="xs" className="why-waiting">
                        {waits}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td data-label={t("queue.status")}>
                    <Badge color={COLOURS[f.status]} variant="outline">
                      {statusWords(f.status)}
                    </Badge>
                    {!matches(f) && (
                      <Text size="xs" c="dimmed" data-testid="left-filter">
                        {t("queue.leftFilter")}
                      </Text>
                    )}
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      display="block"
                      mt={4}
                      aria-label={t("queue.detailsOf", { name })}
                      onClick={() => setParam("open", f.id)}
                    >
                      {t("queue.details")}
                    </Button>
                  </Table.Td>
                  <Table.Td data-label={t("queue.why")}>
                    {why}
                    {!!f.skipped_channels?.length && (
                      <Text size="xs" c="dimmed" data-testid="row-skipped">
                        {f.skipped_channels.map(skipWords).join(" · ")}
                      </Text>
                    )}
                    {f.proposed && (
                      <Approval
                        followup={f}
                        canDecide={session.role !== "counselor"}
                        onDone={() => queries.invalidateQueries({ queryKey: key })}
                        onReloaded={reloaded}
                      />
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {pages.isSuccess && rows.length === 0 && <Empty>{filtered || status || rule ? t("queue.noMatch") : t("queue.empty")}</Empty>}
      {pages.hasNextPage && (
        <Button variant="default" loading={pages.isFetchingNextPage} onClick={() => pages.fetchNextPage()}>
          {t("queue.loadMore")}
        </Button>
      )}
      <FollowUpDrawer id={opened} onClose={() => setParam("open", "")} />
    </Stack>
  );
}

const NONE: Map<string, FollowUp> = new Map();

/** Reads the query `key` again after a change. A read of it already on its way is let finish
 * (cancelled at each change, reads slower than the changes would never land), and another
 * follows it, as it may have begun before the change. */
function readAfresh(queries: QueryClient, key: QueryKey): void {
  const onItsWay = queries.isFetching({ queryKey: key, exact: true }) > 0;
  const read = () => queries.invalidateQueries({ queryKey: key, exact: true }, { cancelRefetch: false });
  void read().then(() => (onItsWay ? read() : undefined));
}

/** The rows loaded, with the rows that left the filters back where their send time puts them. */
function withLeft(loaded: FollowUp[], left: Map<string, FollowUp>, sort: "newest" | "oldest"): FollowUp[] {
  const rows = [...loaded];
  const ids = new Set(loaded.map((f) => f.id));
  const after = (a: FollowUp, b: FollowUp) => {
    const [x, y] = [Date.parse(a.scheduled_at), Date.parse(b.scheduled_at)];
    return sort === "oldest" ? x > y : x < y;
  };
  for (const f of left.values()) {
    if (ids.has(f.id)) continue;
    const at = rows.findIndex((row) => after(row, f));
    rows.splice(at === -1 ? rows.length : at, 0, f);
  }
  return rows;
}

/** A follow-up from the feed keeps its lead as the API named them, and what the API said
 * about its wait while it still waits so; its reason code holds while its reason does. */
function stillWaiting(fresh: FollowUp, known: FollowUp | undefined): FollowUp {
  if (!known) return fresh;
  const lead = {
    contact_name: known.contact_name,
    contact_number: known.contact_number,
    zone: known.zone,
    reason_code: fresh.reason === known.reason ? known.reason_code : undefined,
  };
  if (fresh.status !== "queued" || fresh.scheduled_at !== known.scheduled_at) return { ...fresh, ...lead };
  const { waiting_for_window, opens_at, opens_at_local, window } = known;
  return { ...fresh, ...lead, waiting_for_window, opens_at, opens_at_local, window };
}

/** The proposed AI text, with Approve / Edit / Reject for admin and marketing. A decision
 * someone else made first (or a follow-up that moved on, a reply cancelling it) is refused:
 * the row is asked for again and says what became of it. One decision goes at a time: the
 * buttons wait while it is sent, and once it is taken a second click sends nothing, so a
 * double click is never reported as someone else's decision. */
function Approval({
  followup,
  canDecide,
  onDone,
  onReloaded,
}: {
  followup: FollowUp;
  canDecide: boolean;
  onDone: () => void;
  onReloaded: (fresh: FollowUp) => void;
}) {
  const { api } = useSession();
  const t = useT();
  const words = useProblemWords();
  const proposed = followup.proposed;
  const [editing, setEditing] = useState<string | null>(null);
  const [problem, setProblem] = useState("");
  const [overtaken, setOvertaken] = useState(false);
  const [pending, setPending] = useState<"approve" | "approveEdited" | "reject" | null>(null);
  // Set at once (a double click's second click comes before React draws the wait).
  const sending = useRef(false);
  const decidedHere = useRef(false);
  const awaiting = followup.reason === "awaiting_approval";
  if (!proposed || (!awaiting && !overtaken)) return null;
  const text = proposed.kind === "text" ? (proposed.text ?? "") : proposed.params.join(" · ");
  const path = `/api/followups/${encodeURIComponent(followup.id)}`;
  const reload = () =>
    api.get<FollowUp>(path).then(
      (fresh) => {
        setProblem("");
        setEditing(null);
        setOvertaken(true);
        onReloaded(fresh);
      },
      () => {
        setProblem(t("approval.overtaken"));
        onDone();
      },
    );
  const decide = (action: "approve" | "reject", button: NonNullable<typeof pending>, body?: { text?: string }) => {
    if (sending.current || decidedHere.current) return;
    sending.current = true;
    setPending(button);
    api
      .call<FollowUp>("POST", `${path}/${action}`, body)
      .then(
        () => {
          decidedHere.current = true;
          onDone();
        },
        (error: unknown) => (error instanceof ApiError && error.status === 409 ? reload() : setProblem(words(error))),
      )
      .finally(() => {
        sending.current = false;
        setPending(null);
      });
  };
  const approvedElsewhere = overtaken && !awaiting && !!followup.approved_at;
  return (
    <Stack gap={4} className="approval" data-testid="approval">
      {overtaken && !awaiting && (
        <Text size="sm" className="problem" role="alert" data-testid="approval-overtaken">
          <OvertakenWords followup={followup} />
        </Text>
      )}
      {(awaiting || approvedElsewhere) && <blockquote data-testid="proposed">{text}</blockquote>}
      {canDecide && awaiting && editing === null && (
        <Group gap="xs">
          <Button size="xs" loading={pending === "approve"} disabled={pending !== null} onClick={() => decide("approve", "approve", {})}>
            {t("approval.approve")}
          </Button>
          {proposed.kind === "text" && (
            <Button size="xs" variant="default" disabled={pending !== null} onClick={() => setEditing(proposed.text ?? "")}>
              {t("approval.edit")}
            </Button>
          )}
          <Button size="xs" variant="default" loading={pending === "reject"} disabled={pending !== null} onClick={() => decide("reject", "reject")}>
            {t("approval.reject")}
          </Button>
        </Group>
      )}
      {canDecide && awaiting && editing !== null && (
        <>
          <Textarea label={t("approval.edited")} value={editing} onChange={(e) => setEditing(e.currentTarget.value)} />
          <Group gap="xs">
            <Button
              size="xs"
              loading={pending === "approveEdited"}
              disabled={pending !== null}
              onClick={() => decide("approve", "approveEdited", { text: editing })}
            >
              {t("approval.approveEdited")}
            </Button>
            <Button size="xs" variant="default" disabled={pending !== null} onClick={() => setEditing(null)}>
              {t("approval.cancel")}
            </Button>
          </Group>
        </>
      )}
      {problem && (
        <Text size="sm" c="red" role="alert">
          {problem}
        </Text>
      )}
    </Stack>
  );
}

/** Why a decision made here was not applied, from the follow-up as it is stored now. */
function OvertakenWords({ followup }: { followup: FollowUp }) {
  const t = useT();
  const statusWords = useStatusWords();
  if (followup.approved_at) return t("approval.approvedElsewhere");
  if (followup.status === "canceled" && followup.reason === "rejected") return t("approval.rejectedElsewhere");
  return t("approval.movedOn", { status: statusWords(followup.status) });
}

/** The further along of two copies of a follow-up (its status history only grows). */
function newest(live: FollowUp | undefined, fetched: FollowUp): FollowUp {
  return live && live.history.length > fetched.history.length ? live : fetched;
}
