import { Button, Stack, Table, Text, Title } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import type { AuditEntry } from "../api";
import { useAuditValueWords, useAuditWords } from "../explain";
import { useFormat } from "../format";
import { useT } from "../i18n/locale";
import { Empty, ErrorState, Loading } from "../problems";
import { useSession, useWorkspaceZone } from "../session";

const PAGE = 50;

/** Who changed rules, settings and numbers, and when: newest first, a page at a time. */
export function AuditPage() {
  const { api } = useSession();
  const t = useT();
  const format = useFormat();
  const zone = useWorkspaceZone() ?? "UTC";
  const actionWords = useAuditWords();
  const valueWords = useAuditValueWords();
  const pages = useInfiniteQuery({
    queryKey: ["audit"],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => {
      const query = new URLSearchParams({ limit: String(PAGE) });
      if (pageParam) query.set("cursor", pageParam);
      return api.get<{ entries: AuditEntry[]; cursor: string | null }>(`/api/audit?${query}`);
    },
    getNextPageParam: (last) => last.cursor,
  });
  const entries = pages.data?.pages.flatMap((p) => p.entries) ?? [];
  return (
    <Stack gap="sm">
      <Title order={2}>{t("audit.title")}</Title>
      <Text size="sm" c="dimmed">
        {t("audit.hint", { zone })}
      </Text>
      {pages.isPending && <Loading />}
      {pages.isError && <ErrorState error={pages.error} retry={() => pages.refetch()} />}
      {pages.isSuccess && entries.length === 0 && <Empty>{t("audit.empty")}</Empty>}
      {entries.length > 0 && (
        <Table className="responsive" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("audit.when")}</Table.Th>
              <Table.Th>{t("audit.who")}</Table.Th>
              <Table.Th>{t("audit.what")}</Table.Th>
              <Table.Th>{t("audit.change")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {entries.map((entry) => (
              <Table.Tr key={entry.id} data-testid="audit-row" data-action={entry.action}>
                <Table.Td data-label={t("audit.when")}>{format.dateTime(entry.at, zone)}</Table.Td>
                <Table.Td data-label={t("audit.who")}>{entry.actor}</Table.Td>
                <Table.Td data-label={t("audit.what")}>
                  {actionWords(entry)}
                  <Text size="xs" c="dimmed">
                    {entry.target}
                  </Text>
                </Table.Td>
                <Table.Td data-label={t("audit.change")}>
                  {entry.before && <Text size="sm">{t("audit.before", { value: valueWords(entry.before) })}</Text>}
                  {entry.after && <Text size="sm">{t("audit.after", { value: valueWords(entry.after) })}</Text>}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {pages.hasNextPage && (
        <Button variant="default" loading={pages.isFetchingNextPage} onClick={() => pages.fetchNextPage()}>
          {t("audit.more")}
        </Button>
      )}
    </Stack>
  );
}
