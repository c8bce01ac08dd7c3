import { Alert, Button, Group, List, Modal, Stack, Text } from "@mantine/core";
import { useState } from "react";
import type { CancelResult, FollowUp } from "../api";
import { useCancelWords } from "../explain";
import { leadName } from "../format";
import { useT } from "../i18n/locale";
import { ErrorState } from "../problems";
import { useSession } from "../session";

/** The API cancels at most this many follow-ups in one request. */
export const MAX_CANCEL = 100;
/** The statuses a cancel can still stop. */
export const UNSENT = new Set(["queued", "waiting_template"]);

interface Outcome {
  cancelled: number;
  refused: { id: string; name: string; result: string }[];
}

/** "N selected · Cancel selected", a confirmation, then how many were cancelled and which
 * could not be, and why. */
export function BulkCancel({
  selected,
  rows,
  onDone,
}: {
  selected: Set<string>;
  rows: FollowUp[];
  onDone: () => void;
}) {
  const { api } = useSession();
  const t = useT();
  const words = useCancelWords();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const count = selected.size;

  const cancel = () => {
    const names = new Map(rows.map((f) => [f.id, leadName(f.contact_name, f.contact_number, f.contact_id)]));
    setBusy(true);
    setProblem(null);
    api
      .call<{ results: CancelResult[] }>("POST", "/api/queue/cancel", { ids: [...selected] })
      .then(
        ({ results }) => {
          setOutcome({
            cancelled: results.filter((r) => r.result === "cancelled").length,
            refused: results
              .filter((r) => r.result !== "cancelled")
              .map((r) => ({ id: r.id, name: names.get(r.id) ?? r.id, result: r.result })),
          });
          onDone();
        },
        setProblem,
      )
      .finally(() => {
        setBusy(false);
        setAsking(false);
      });
  };

  return (
    <Stack gap="xs">
      {count > 0 && (
        <Group gap="sm" className="bulk-bar" data-testid="bulk-bar">
          <Text size="sm">{t("cancel.selected", { count })}</Text>
          <Button size="xs" color="red.9" onClick={() => setAsking(true)}>
            {t("cancel.button")}
          </Button>
        </Group>
      )}
      <Modal
        opened={asking}
        onClose={() => setAsking(false)}
        title={t("cancel.confirmTitle", { count })}
        closeButtonProps={{ "aria-label": t("cancel.keep") }}
        centered
      >
        <Stack gap="sm">
          <Text size="sm">{t("cancel.confirmBody")}</Text>
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={() => setAsking(false)}>
              {t("cancel.keep")}
            </Button>
            <Button color="red.9" loading={busy} onClick={cancel}>
              {t("cancel.confirm", { count })}
            </Button>
          </Group>
        </Stack>
      </Modal>
      {problem !== null && <ErrorState error={problem} />}
      {outcome && (
        <Alert
          color={outcome.refused.length ? "orange" : "green"}
          variant="light"
          role="status"
          data-testid="cancel-outcome"
          withCloseButton
          closeButtonLabel={t("cancel.dismiss")}
          onClose={() => setOutcome(null)}
        >
          <Text size="sm">{t("cancel.done", { count: outcome.cancelled })}</Text>
          {outcome.refused.length > 0 && (
            <>
              <Text size="sm">{t("cancel.notDone", { count: outcome.refused.length })}</Text>
              <List size="sm">
                {outcome.refused.map((r) => (
                  <List.Item key={r.id} data-testid="cancel-refused">
                    {t("cancel.refused", { name: r.name, why: words(r.result) })}
                  </List.Item>
                ))}
              </List>
            </>
          )}
        </Alert>
      )}
    </Stack>
  );
}
