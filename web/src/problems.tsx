// Errors in plain words, with a retry; never a bare "Failed to fetch".
import { Alert, Button, Center, Loader, Text } from "@mantine/core";
import { ApiError } from "./api";
import type { MessageId } from "./i18n/en";
import { useT } from "./i18n/locale";

/** The API's problem codes this app says in its own words; others show the API's message. */
const KNOWN = new Set(["from_after_to", "period_too_long"]);

export function useProblemWords(): (error: unknown) => string {
  const t = useT();
  return (error) => {
    if (error instanceof ApiError) {
      if (error.status === 401) return t("error.signedOut");
      if (error.status === 403) return t("error.forbidden");
      if (error.status === 404) return t("error.notFound");
      if (error.status >= 500) return t("error.server", { status: error.status });
      if (error.details.length === 0) return error.message;
      const said = error.details.map((d) =>
        d.code && KNOWN.has(d.code) ? t(`problem.${d.code}` as MessageId) : `${d.field}: ${d.message}`,
      );
      return t("error.invalid", { problems: said.join("; ") });
    }
    if (error instanceof TypeError) return t("error.network");
    return t("error.server", { status: "?" });
  };
}

/** Whether asking again may answer otherwise: the network or the server failed, or it was
 * busy; not when the request itself was refused (a role, a sign-in, a deleted item). */
function passing(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status >= 500 || error.status === 408 || error.status === 429;
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const t = useT();
  const words = useProblemWords();
  return (
    <Alert color="red" variant="light" role="alert" my="sm">
      <Text size="sm">{words(error)}</Text>
      {retry && passing(error) && (
        <Button size="xs" variant="white" color="red" mt="xs" onClick={retry}>
          {t("error.retry")}
        </Button>
      )}
    </Alert>
  );
}

export function Loading() {
  const t = useT();
  return (
    <Center py="lg">
      <Loader size="sm" aria-hidden />
      <Text ml="sm" c="dimmed">
        {t("app.loading")}
      </Text>
    </Center>
  );
}

export function Empty({ children }: { children: string }) {
  return (
    <Text c="dimmed" py="md" className="empty">
      {children}
    </Text>
  );
}
