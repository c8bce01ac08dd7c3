import { Badge, Button, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import type { Task } from "../api";
import { whoAmI } from "../auth";
import { leadName, useFormat } from "../format";
import { useT } from "../i18n/locale";
import { Empty, ErrorState, Loading, useProblemWords } from "../problems";
import { useRules, useSession, useWorkspaceZone } from "../session";

/** Tasks with their due time and a button to mark each done (or open again). */
export function TaskList({ tasks, zone, onChanged, showContact }: {
  tasks: Task[];
  zone: string;
  onChanged: () => unknown;
  showContact: boolean;
}) {
  const { api } = useSession();
  const t = useT();
  const format = useFormat();
  const words = useProblemWords();
  const rules = useRules();
  const [problem, setProblem] = useState("");
  const ruleName = (id: string) => rules.data?.find((r) => r.id === id)?.name ?? id;
  const mark = async (task: Task) => {
    try {
      await api.call<Task>("PATCH", `/api/tasks/${encodeURIComponent(task.id)}`, {
        status: task.status === "open" ? "done" : "open",
      });
      setProblem("");
      await onChanged();
    } catch (error) {
      setProblem(words(error));
    }
  };
  return (
    <>
      {problem && (
        <Text role="alert" c="red.9">
          {problem}
        </Text>
      )}
      <Table className="responsive" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("tasks.task")}</Table.Th>
            {showContact && <Table.Th>{t("tasks.contact")}</Table.Th>}
            <Table.Th>{t("tasks.due")}</Table.Th>
            <Table.Th>{t("tasks.from")}</Table.Th>
            <Table.Th>{t("tasks.action")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tasks.map((task) => (
            <Table.Tr key={task.id} data-testid="task-row" data-status={task.status}>
              <Table.Td data-label={t("tasks.task")}>
                {task.title}{" "}
                {task.priority === "urgent" && (
                  <Badge color="red.9" variant="outline">
                    {t("tasks.urgent")}
                  </Badge>
                )}
                {task.status === "done" && (
                  <Badge color="teal.9" variant="outline">
                    {t("tasks.done")}
                  </Badge>
                )}
              </Table.Td>
              {showContact && (
                <Table.Td data-label={t("tasks.contact")}>
                  <Link to={`/contacts/${encodeURIComponent(task.contact_id)}`} data-testid="task-contact">
                    {leadName(task.contact_name, task.contact_number, task.contact_id)}
                  </Link>
                  {task.contact_number && (
                    <Text size="xs" c="dimmed" className="number" data-testid="task-number">
                      +{task.contact_number}
                    </Text>
                  )}
                </Table.Td>
              )}
              <Table.Td data-label={t("tasks.due")}>
                {t("time.inZone", { time: format.dateTime(task.due_at, zone), zone })}
              </Table.Td>
              <Table.Td data-label={t("tasks.from")}>
                {t("tasks.fromStep", { rule: ruleName(task.rule_id), step: task.step + 1 })}
                {task.status === "open" ? "" : ` · ${t("tasks.assignedTo", { who: task.assignee })}`}
              </Table.Td>
              <Table.Td data-label={t("tasks.action")}>
                <Button size="xs" variant={task.status === "open" ? "filled" : "default"} onClick={() => mark(task)}>
                  {task.status === "open" ? t("tasks.markDone", { title: task.title }) : t("tasks.reopen")}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
}

/** Tasks a page: a counsellor with more sees them page by page ("Load more tasks"). */
const TASKS_PAGE = 100;

export function TasksPage() {
  const { api, session } = useSession();
  const t = useT();
  const zone = useWorkspaceZone() ?? "UTC";
  const queries = useQueryClient();
  const me = whoAmI(session);
  const [assignee, setAssignee] = useState(me);
  const [status, setStatus] = useState<"open" | "done">("open");
  const pages = useInfiniteQuery({
    queryKey: ["tasks", assignee, status],
    queryFn: ({ pageParam }) =>
      api.get<{ tasks: Task[]; cursor: string | null }>(
        `/api/tasks?status=${status}&limit=${TASKS_PAGE}${assignee.trim() ? `&assignee=${encodeURIComponent(assignee.trim())}` : ""}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`,
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.cursor ?? undefined,
  });
  const listed = pages.data?.pages.flatMap((page) => page.tasks);
  return (
    <Stack gap="sm">
      <Title order={2}>{t("tasks.title")}</Title>
      <Text size="sm">{t("tasks.intro")}</Text>
      <Group align="end" gap="sm">
        <TextInput
          label={t("tasks.assignee")}
          description={t("tasks.assigneeHint")}
          value={assignee}
          onChange={(e) => setAssignee(e.currentTarget.value)}
          maxLength={254}
          w={280}
          maw="100%"
        />
        <NativeSelect
          label={t("tasks.status")}
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value as "open" | "done")}
          data={[
            { value: "open", label: t("tasks.open") },
            { value: "done", label: t("tasks.doneList") },
          ]}
        />
      </Group>
      {pages.isPending && <Loading />}
      {pages.isError && <ErrorState error={pages.error} retry={() => pages.refetch()} />}
      {listed?.length === 0 && !pages.hasNextPage && (
        <Empty>{status === "open" ? t("tasks.noneOpen") : t("tasks.noneDone")}</Empty>
      )}
      {!!listed?.length && (
        <TaskList
          tasks={listed}
          zone={zone}
          showContact
          onChanged={() => queries.invalidateQueries({ queryKey: ["tasks"] })}
        />
      )}
      {pages.hasNextPage && (
        <Button variant="default" onClick={() => pages.fetchNextPage()} loading={pages.isFetchingNextPage} w="fit-content">
          {t("tasks.more")}
        </Button>
      )}
    </Stack>
  );
}
