import { Alert, Button, Checkbox, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { ApiError, type Rule, type Trigger } from "../api";
import { useT } from "../i18n/locale";
import { useMassSendWords } from "../massSend";
import { Empty, ErrorState, Loading } from "../problems";
import { useRules, useSession } from "../session";
import { intentWords } from "../waiting";
import { duration, triggerWords } from "./editor/words";

/** One line for the rules list: "new · quiet 24 hours", "reply: Busy", "7 days before the
 * date in renewal_date, at 09:00", ... */
export function useTriggerWords(): (trigger: Trigger) => string {
  const t = useT();
  return (trigger) => {
    switch (trigger.kind) {
      case "intent":
        return t("trigger.intent", { intents: trigger.intents.map((i) => intentWords(i, t)).join(", ") });
      case "stage_entered":
        return t("trigger.stageEntered", { stages: trigger.stages.join(", ") });
      case "event": {
        const where = Object.entries(trigger.where ?? {}).map(([k, v]) => `${k}=${v}`);
        return where.length
          ? t("trigger.eventWhere", { name: trigger.name, where: where.join(", ") })
          : t("trigger.event", { name: trigger.name });
      }
      case "idle":
        return t("trigger.idle", {
          stages: trigger.stages.join(", ") || t("trigger.anyStage"),
          idle: duration(trigger.idle, t),
        });
      default:
        return triggerWords(trigger, t);
    }
  };
}

export function RulesPage() {
  const { api, session } = useSession();
  const t = useT();
  const triggerWords = useTriggerWords();
  const massSendWords = useMassSendWords();
  const rules = useRules();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState<{ rule: Rule; message: string } | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const canEdit = session.role !== "counselor";

  const toggle = async (rule: Rule, confirm = false) => {
    setProblem(null);
    try {
      const action = rule.active ? "deactivate" : "activate";
      await api.call("POST", `/api/rules/${encodeURIComponent(rule.id)}/${action}${confirm ? "?confirm=true" : ""}`);
      setConfirming(null);
      await queries.invalidateQueries({ queryKey: ["rules"] });
    } catch (error) {
      if (error instanceof ApiError && error.code === "mass_send") setConfirming({ rule, message: massSendWords(error) });
      else setProblem(error);
    }
  };

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2}>{t("rules.title")}</Title>
        {canEdit && <Button onClick={() => navigate("/rules/new")}>{t("rules.new")}</Button>}
      </Group>
      {problem !== null && <ErrorState error={problem} />}
      {confirming && (
        <Alert color="orange" role="alertdialog" aria-label={t("rules.confirm")}>
          <Text size="sm">{confirming.message}</Text>
          <Group gap="xs" mt="xs">
            <Button size="xs" onClick={() => toggle(confirming.rule, true)}>
              {t("rules.activateAnyway")}
            </Button>
            <Button size="xs" variant="default" onClick={() => setConfirming(null)}>
              {t("rules.cancel")}
            </Button>
          </Group>
        </Alert>
      )}
      {rules.isPending && <Loading />}
      {rules.isError && <ErrorState error={rules.error} retry={() => rules.refetch()} />}
      {rules.data?.length === 0 && <Empty>{t("rules.empty")}</Empty>}
      {!!rules.data?.length && (
        <Table className="responsive" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("rules.active")}</Table.Th>
              <Table.Th>{t("rules.rule")}</Table.Th>
              <Table.Th>{t("rules.trigger")}</Table.Th>
              <Table.Th>{t("rules.steps")}</Table.Th>
              <Table.Th>{t("rules.version")}</Table.Th>
              {canEdit && <Table.Th />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rules.data.map((rule) => (
              <Table.Tr key={rule.id} data-testid="rule-row" data-id={rule.id}>
                <Table.Td data-label={t("rules.active")}>
                  <Checkbox
                    checked={rule.active}
                    disabled={!canEdit}
                    aria-label={t("rules.activeFor", { name: rule.name })}
                    onChange={() => toggle(rule)}
                  />
                  {rule.held ? (
                    <Text size="xs" title={t("rules.heldHint")}>
                      {t("rules.held", { count: rule.held })}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td data-label={t("rules.rule")}>
                  <Text fw={600} size="sm">
                    {rule.name}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {rule.id}
                  </Text>
                </Table.Td>
                <Table.Td data-label={t("rules.trigger")}>
                  <span data-testid="trigger">{triggerWords(rule.trigger)}</span>
                </Table.Td>
                <Table.Td data-label={t("rules.steps")}>{rule.steps.length}</Table.Td>
                <Table.Td data-label={t("rules.version")}>{t("rules.versionN", { version: rule.version })}</Table.Td>
                {canEdit && (
                  <Table.Td>
                    <Button size="xs" variant="default" onClick={() => navigate(`/rules/${encodeURIComponent(rule.id)}`)}>
                      {t("rules.edit")}
                    </Button>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
