import { Badge, Button, Group, NativeSelect, Stack, Table, Text, TextInput, Title, UnstyledButton } from "@mantine/core";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import type { Contact } from "../api";
import { leadName, useFormat } from "../format";
import type { MessageId } from "../i18n/en";
import { useT } from "../i18n/locale";
import { Empty, ErrorState, Loading } from "../problems";
import { useSession, useWorkspaceZone } from "../session";
import { useUrlParams } from "../urlParams";
import { ContactImport } from "./ContactImport";

/** `any`: without a stage the API reads contacts in no set order. */
type Sort = "any" | "newest" | "oldest" | "name" | "score";
const SCORE_RANK: Record<string, number> = { hot: 0, warm: 1, cold: 2 };
/** Filters the API takes, by their query-string names. */
const FILTERS = ["q", "stage", "min_score", "tag", "opted_out"] as const;

/** The funnel's stages, from the workspace settings. */
function useStages(): string[] {
  const { api } = useSession();
  return (
    useQuery({
      queryKey: ["settings"],
      queryFn: () => api.get<{ timezone: string }>("/api/settings"),
      staleTime: 5 * 60_000,
    }).data as { stages?: string[] } | undefined
  )?.stages ?? [];
}

/** Name and score order the contacts loaded so far; creation order comes from the API. */
function sorted(contacts: Contact[], sort: Sort, locale: string): Contact[] {
  const named = (c: Contact) => leadName(c.name, c.wa_id, c.id);
  if (sort === "name") return [...contacts].sort((a, b) => named(a).localeCompare(named(b), locale));
  if (sort === "score") return [...contacts].sort((a, b) => SCORE_RANK[a.score] - SCORE_RANK[b.score]);
  return contacts;
}

function SortHeader({ label, sort, own, onSort }: { label: string; sort: Sort; own: Sort[]; onSort: (s: Sort) => void }) {
  const active = own.includes(sort);
  const direction = sort === "oldest" ? "ascending" : sort === "newest" ? "descending" : "ascending";
  return (
    <Table.Th aria-sort={active ? direction : "none"}>
      <UnstyledButton
        fw={600}
        fz="sm"
        onClick={() => onSort(own.length > 1 && sort === own[0] ? own[1] : own[0])}
      >
        {label} {active ? (direction === "ascending" ? "▲" : "▼") : ""}
      </UnstyledButton>
    </Table.Th>
  );
}

export function ContactsPage() {
  const { api, session } = useSession();
  const queries = useQueryClient();
  const t = useT();
  const format = useFormat();
  const zone = useWorkspaceZone() ?? "UTC";
  const stages = useStages();
  const [params, setParams] = useUrlParams();
  const [text, setText] = useState(params.get("q") ?? "");
  const [tag, setTag] = useState(params.get("tag") ?? "");
  const stage = params.get("stage") ?? "";
  const asked = (params.get("sort") ?? "newest") as Sort;
  const sort: Sort = !stage && (asked === "newest" || asked === "oldest") ? "any" : asked;
  const query = new URLSearchParams();
  for (const name of FILTERS) if (params.get(name)) query.set(name, params.get(name) as string);
  if (sort === "oldest" && stage) query.set("sort", "oldest");
  query.set("limit", "50");

  const set = (changes: Record<string, string>) =>
    setParams(
      (next) => {
        for (const [name, value] of Object.entries(changes)) {
          if (value) next.set(name, value);
          else next.delete(name);
        }
        if (["oldest", "any"].includes(next.get("sort") ?? "")) {
          if (!next.get("stage")) next.delete("sort");
        }
      },
      { replace: true },
    );
  const search = (e: FormEvent) => {
    e.preventDefault();
    set({ q: text.trim(), tag: tag.trim() });
  };

  const contacts = useInfiniteQuery({
    queryKey: ["contacts", query.toString()],
    queryFn: ({ pageParam }) =>
      api.get<{ contacts: Contact[]; cursor: string | null }>(
        `/api/contacts?${query.toString()}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`,
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.cursor ?? undefined,
  });
  const rows = sorted(contacts.data?.pages.flatMap((p) => p.contacts) ?? [], sort, format.locale);
  const sortOptions: { value: Sort; label: MessageId }[] = [
    ...(stage
      ? ([
          { value: "newest", label: "contacts.sort.newest" },
          { value: "oldest", label: "contacts.sort.oldest" },
        ] as const)
      : ([{ value: "any", label: "contacts.sort.any" }] as const)),
    { value: "name", label: "contacts.sort.name" },
    { value: "score", label: "contacts.sort.score" },
  ];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2}>{t("contacts.title")}</Title>
        {session.role !== "counselor" && (
          <ContactImport onImported={() => queries.invalidateQueries({ queryKey: ["contacts"] })} />
        )}
      </Group>
      <form onSubmit={search} role="search" aria-label={t("contacts.searchForm")}>
        <Group align="end" gap="sm">
          <TextInput
            label={t("contacts.search")}
            description={t("contacts.searchHint")}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            maxLength={100}
            w={260}
            maw="100%"
          />
          <TextInput label={t("contacts.tag")} value={tag} onChange={(e) => setTag(e.currentTarget.value)} maxLength={64} w={160} />
          <Button type="submit">{t("contacts.find")}</Button>
        </Group>
      </form>
      <Group align="end" gap="sm">
        <NativeSelect
          label={t("contacts.stage")}
          value={stage}
          onChange={(e) => set({ stage: e.currentTarget.value })}
          data={[{ value: "", label: t("contacts.anyStage") }, ...stages.map((s) => ({ value: s, label: s }))]}
        />
        <NativeSelect
          label={t("contacts.minScore")}
          value={params.get("min_score") ?? ""}
          onChange={(e) => set({ min_score: e.currentTarget.value })}
          data={[
            { value: "", label: t("contacts.anyScore") },
            { value: "hot", label: t("contacts.score.hot") },
            { value: "warm", label: t("contacts.score.warm") },
            { value: "cold", label: t("contacts.score.cold") },
          ]}
        />
        <NativeSelect
          label={t("contacts.optOut")}
          value={params.get("opted_out") ?? ""}
          onChange={(e) => set({ opted_out: e.currentTarget.value })}
          data={[
            { value: "", label: t("contacts.optOut.any") },
            { value: "false", label: t("contacts.optOut.reachable") },
            { value: "true", label: t("contacts.optOut.stopped") },
          ]}
        />
        <NativeSelect
          label={t("contacts.sort")}
          value={sort}
          onChange={(e) => set({ sort: e.currentTarget.value })}
          data={sortOptions.map((o) => ({ value: o.value, label: t(o.label) }))}
        />
      </Group>
      {(sort === "name" || sort === "score") && (
        <Text size="sm" c="dimmed">
          {t("contacts.sortLoaded")}
        </Text>
      )}
      {contacts.isPending && <Loading />}
      {contacts.isError && <ErrorState error={contacts.error} retry={() => contacts.refetch()} />}
      {contacts.isSuccess && rows.length === 0 && !contacts.hasNextPage && <Empty>{t("contacts.empty")}</Empty>}
      {rows.length > 0 && (
        <Table className="responsive" verticalSpacing="xs" data-testid="contacts-table">
          <Table.Thead>
            <Table.Tr>
              <SortHeader label={t("contacts.name")} sort={sort} own={["name"]} onSort={(s) => set({ sort: s })} />
              <Table.Th>{t("contacts.number")}</Table.Th>
              <Table.Th>{t("contacts.stage")}</Table.Th>
              <SortHeader label={t("contacts.score")} sort={sort} own={["score"]} onSort={(s) => set({ sort: s })} />
              <Table.Th>{t("contacts.tags")}</Table.Th>
              {stage ? (
                <SortHeader label={t("contacts.added")} sort={sort} own={["newest", "oldest"]} onSort={(s) => set({ sort: s })} />
              ) : (
                <Table.Th>{t("contacts.added")}</Table.Th>
              )}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((c) => (
              <Table.Tr key={c.id} data-testid="contact-row" data-id={c.id}>
                <Table.Td data-label={t("contacts.name")}>
                  <Link to={`/contacts/${encodeURIComponent(c.id)}`}>{leadName(c.name, c.wa_id, c.id)}</Link>{" "}
                  {c.opted_out && (
                    <Badge color="red.9" variant="outline">
                      {c.opted_out_by && c.opted_out_by !== "contact" ? t("contacts.doNotContact") : t("contacts.optedOut")}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td data-label={t("contacts.number")} className="number">
                  {c.wa_id ? `+${c.wa_id}` : "–"}
                </Table.Td>
                <Table.Td data-label={t("contacts.stage")}>{c.stage}</Table.Td>
                <Table.Td data-label={t("contacts.score")}>{t(`contacts.score.${c.score}` as MessageId)}</Table.Td>
                <Table.Td data-label={t("contacts.tags")}>{c.tags.join(", ")}</Table.Td>
                <Table.Td data-label={t("contacts.added")}>
                  {t("time.inZone", {
                    time: format.dateTime(c.created_at, c.zone ?? c.timezone ?? zone),
                    zone: c.zone ?? c.timezone ?? zone,
                  })}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {contacts.hasNextPage && (
        <Button variant="default" onClick={() => contacts.fetchNextPage()} loading={contacts.isFetchingNextPage} w="fit-content">
          {t("contacts.more")}
        </Button>
      )}
    </Stack>
  );
}
