import { Badge, NativeSelect, Stack, Table, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import type { Contact } from "../api";
import { useT } from "../i18n/locale";
import { Empty, ErrorState, Loading } from "../problems";
import { useRules, useSession, useWorkspaceZone } from "../session";

/** The stages the rules speak of: the API lists contacts one stage at a time. */
function useStages(): string[] {
  const rules = useRules();
  const stages = new Set<string>();
  for (const rule of rules.data ?? []) {
    if ("stages" in rule.trigger) for (const stage of rule.trigger.stages) stages.add(stage);
    for (const stage of rule.exit?.stages ?? []) stages.add(stage);
  }
  return [...stages].sort();
}

export function ContactsPage() {
  const { api } = useSession();
  const t = useT();
  const zone = useWorkspaceZone();
  const stages = useStages();
  const [params, setParams] = useSearchParams();
  const stage = params.get("stage") ?? stages[0] ?? "";
  const contacts = useQuery({
    queryKey: ["contacts", stage],
    queryFn: () =>
      api.get<{ contacts: Contact[] }>(`/api/contacts?stage=${encodeURIComponent(stage)}&limit=200`).then((r) => r.contacts),
    enabled: stage !== "",
  });
  return (
    <Stack gap="sm">
      <Title order={2}>{t("contacts.title")}</Title>
      <NativeSelect
        label={t("contacts.stage")}
        maw={280}
        value={stage}
        onChange={(e) => setParams({ stage: e.currentTarget.value }, { replace: true })}
        data={stages.includes(stage) || !stage ? stages : [stage, ...stages]}
      />
      {stage === "" && <Empty>{t("contacts.pickStage")}</Empty>}
      {stage !== "" && contacts.isPending && <Loading />}
      {contacts.isError && <ErrorState error={contacts.error} retry={() => contacts.refetch()} />}
      {contacts.data?.length === 0 && <Empty>{t("contacts.empty")}</Empty>}
      {!!contacts.data?.length && (
        <Table className="responsive" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("contacts.name")}</Table.Th>
              <Table.Th>{t("contacts.number")}</Table.Th>
              <Table.Th>{t("contacts.score")}</Table.Th>
              <Table.Th>{t("contacts.zone")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {contacts.data.map((c) => (
              <Table.Tr key={c.id} data-testid="contact-row" data-id={c.id}>
                <Table.Td data-label={t("contacts.name")}>
                  <Link to={`/contacts/${encodeURIComponent(c.id)}`}>{c.name || c.id}</Link>{" "}
                  {c.opted_out && (
                    <Badge color="red.9" variant="outline">
                      {t("contacts.optedOut")}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td data-label={t("contacts.number")}>{c.wa_id ? `+${c.wa_id}` : "–"}</Table.Td>
                <Table.Td data-label={t("contacts.score")}>{c.score}</Table.Td>
                <Table.Td data-label={t("contacts.zone")}>{c.timezone ?? zone ?? t("time.workspaceZone")}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
