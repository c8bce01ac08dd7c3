// The pauses holding sends back, said at the top of every page while they hold: a follow-up
// that does not go says why where it is missed, not only on the Settings page.
import { Alert, Anchor, List, Text } from "@mantine/core";
import { Link } from "react-router";
import { useNumberPauseWords } from "./explain";
import { useFormat } from "./format";
import { useT } from "./i18n/locale";
import { useSendingPauses, useSession } from "./session";

/** The workspace's pause in words: why, and since when in the workspace's zone (a pause
 * stored before its time was kept says none). The notice and Settings say it alike. */
export function usePausedWords(): (pause: {
  paused_reason: string | null;
  paused_at: string | null;
  timezone: string;
}) => string {
  const t = useT();
  const format = useFormat();
  return ({ paused_reason, paused_at, timezone }) => {
    const reason = paused_reason ?? t("settings.pausedByAdmin");
    return paused_at
      ? t("settings.pausedSince", { reason, at: format.dateTime(paused_at, timezone), zone: timezone })
      : t("settings.pausedNow", { reason });
  };
}

export function PauseNotice() {
  const { session } = useSession();
  const t = useT();
  const format = useFormat();
  const pausedWords = usePausedWords();
  const numberPauseWords = useNumberPauseWords();
  const { workspace, numbers } = useSendingPauses();
  const zone = workspace?.timezone ?? "UTC";
  const lines: { kind: string; words: string }[] = [];
  if (workspace?.paused) lines.push({ kind: "workspace", words: pausedWords(workspace) });
  if (workspace?.email_paused) {
    const { reason, at } = workspace.email_paused;
    lines.push({ kind: "email", words: t("pauses.email", { reason, at: format.dateTime(at, zone), zone }) });
  }
  // A number's pause says since when it began, not WhatsApp's last report about it; one
  // stored before that time was kept says no time.
  for (const n of numbers) {
    const number = n.display_phone_number ? `+${n.display_phone_number}` : n.phone_number_id;
    const reason = numberPauseWords(n);
    lines.push({
      kind: `number:${n.phone_number_id}`,
      words: n.paused_at
        ? t("pauses.number", { number, reason, at: format.dateTime(n.paused_at, zone), zone })
        : t("pauses.numberUndated", { number, reason }),
    });
  }
  // The live region is there before any pause is read, so a screen reader says a pause when
  // it shows, and says nothing more while it holds. It is no `status` role: each page keeps
  // that for its own state (the live feed's, a send's answer).
  return (
    <div aria-live="polite">
      {lines.length > 0 && (
        <Alert color="yellow" variant="light" role="note" mb="md" data-testid="pause-notice">
          <Text size="sm" fw={700}>
            {t("pauses.title")}
          </Text>
          <List size="sm" spacing={4}>
            {lines.map((line) => (
              <List.Item key={line.kind} data-testid="pause-line" data-pause={line.kind}>
                {line.words}
              </List.Item>
            ))}
          </List>
          {session.role === "admin" ? (
            <Anchor component={Link} to="/settings" size="sm" mt="xs" display="inline-block">
              {t("pauses.resumeOnSettings")}
            </Anchor>
          ) : (
            <Text size="sm" mt="xs">
              {t("pauses.adminResumes")}
            </Text>
          )}
        </Alert>
      )}
    </div>
  );
}
