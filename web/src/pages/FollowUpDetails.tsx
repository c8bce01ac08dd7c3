import { Anchor, Badge, Drawer, Stack, Text, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link } from "react-router";
import type { FollowUp, Rendered } from "../api";
import { useErrorWords, useSkipWords } from "../explain";
import { leadName, useFormat } from "../format";
import { useT } from "../i18n/locale";
import { ErrorState, Loading } from "../problems";
import { useRules, useSession, useWorkspaceZone } from "../session";
import { readableCode, useReasonWords } from "../waiting";
import { COLOURS, RESYNC_EVERY_MS, useStatusWords } from "./Queue";

/** One follow-up's details beside the queue; its URL (`?open=<id>`) opens it again. */
export function FollowUpDrawer({ id, onClose }: { id: string | null; onClose: () => void }) {
  const t = useT();
  const phone = useMediaQuery("(max-width: 48em)");
  return (
    <Drawer
      opened={id !== null}
      onClose={onClose}
      position="right"
      size={phone ? "100%" : "lg"}
      title={t("details.title")}
      closeButtonProps={{ "aria-label": t("details.close") }}
    >
      {id !== null && <Details id={id} />}
    </Drawer>
  );
}

function Details({ id }: { id: string }) {
  const { api } = useSession();
  const t = useT();
  const found = useQuery({
    queryKey: ["followup", id],
    queryFn: () => api.get<FollowUp>(`/api/followups/${encodeURIComponent(id)}`),
    refetchInterval: RESYNC_EVERY_MS,
  });
  if (found.isPending) return <Loading />;
  if (found.isError) return <ErrorState error={found.error} retry={() => found.refetch()} />;
  const f = found.data;
  return (
    <Stack gap="md" data-testid="followup-details" data-status={f.status}>
      <Summary f={f} />
      <Part id="details-message" title={t("details.message")}>
        <Message f={f} />
      </Part>
      <Part id="details-cost" title={t("details.cost")}>
        <Cost f={f} />
      </Part>
      <Part id="details-history" title={t("details.history")}>
        <History f={f} />
      </Part>
    </Stack>
  );
}

/** One titled part of the details, named by its title for assistive technology. */
function Part({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id}>
      <Title order={3} size="h5" id={id}>
        {title}
      </Title>
      {children}
    </section>
  );
}

function Summary({ f }: { f: FollowUp }) {
  const t = useT();
  const format = useFormat();
  const rules = useRules();
  const statusWords = useStatusWords();
  const reasonWords = useReasonWords();
  const errorWords = useErrorWords();
  const skipWords = useSkipWords();
  const workspaceZone = useWorkspaceZone();
  const zone = f.zone ?? workspaceZone ?? "UTC";
  const rule = rules.data?.find((r) => r.id === f.rule_id);
  const why = reasonWords(f.reason, f.reason_code);
  const error = errorWords(f);
  return (
    <dl className="details">
      <dt>{t("queue.contact")}</dt>
      <dd>
        <Anchor component={Link} to={`/contacts/${encodeURIComponent(f.contact_id)}`}>
          {leadName(f.contact_name, f.contact_number, f.contact_id)}
        </Anchor>
        {f.contact_number && ` · +${f.contact_number}`}
      </dd>
      <dt>{t("queue.rule")}</dt>
      <dd>
        {t("details.rule", {
          name: rule?.name ?? f.rule_id,
          version: f.rule_version ?? 1,
          step: (f.step_index ?? 0) + 1,
        })}
      </dd>
      {f.channel && (
        <>
          <dt>{t("details.channel")}</dt>
          <dd>{t(`editor.channel.${f.channel === "sms" || f.channel === "email" ? f.channel : "whatsapp"}`)}</dd>
        </>
      )}
      {!!f.skipped_channels?.length && (
        <>
          <dt>{t("details.skipped")}</dt>
          <dd>
            <ul className="skipped" data-testid="details-skipped">
              {f.skipped_channels.map((entry, index) => (
                <li key={`${index}-${entry}`}>{skipWords(entry)}</li>
              ))}
            </ul>
          </dd>
        </>
      )}
      <dt>{t("queue.scheduled")}</dt>
      <dd>{t("time.inZone", { time: format.dateTime(f.scheduled_at, zone), zone })}</dd>
      <dt>{t("queue.status")}</dt>
      <dd>
        <Badge color={COLOURS[f.status]} variant="outline">
          {statusWords(f.status)}
        </Badge>
      </dd>
      {why && (
        <>
          <dt>{t("queue.why")}</dt>
          <dd data-testid="details-why">{why}</dd>
        </>
      )}
      {error && (
        <>
          <dt>{t("details.error")}</dt>
          <dd data-testid="details-error">
            {error}
            {(f.attempt ?? 0) > 1 && <Text size="xs">{t("details.attempts", { count: f.attempt })}</Text>}
          </dd>
        </>
      )}
    </dl>
  );
}

/** What went (or is to go): the template's body with its parameters, the AI's text, or the text. */
function Message({ f }: { f: FollowUp }) {
  const t = useT();
  const sent = f.rendered ?? null;
  const shown: Rendered | null = sent ?? f.proposed ?? null;
  if (!shown) return <Text size="sm">{t("details.notWritten")}</Text>;
  const ai = f.ai;
  return (
    <Stack gap={4} data-testid="details-message">
      {!sent && <Text size="sm">{t("details.proposed")}</Text>}
      {shown.kind === "template" && (
        <Text size="sm" c="dimmed">
          {t("details.template", { name: shown.template_name ?? "", language: shown.language ?? "" })}
        </Text>
      )}
      {shown.subject && <Text fw={600}>{shown.subject}</Text>}
      {shown.kind === "template" && !shown.body ? (
        shown.params.length > 0 && (
          <Text size="sm">{t("details.params", { params: shown.params.join(" · ") })}</Text>
        )
      ) : (
        <blockquote className="message">{shown.body ?? shown.text ?? ""}</blockquote>
      )}
      {ai?.used && <Text size="xs">{t("details.aiWrote")}</Text>}
      {ai?.model && (
        <Text size="xs" data-testid="details-ai-model">
          {t("details.aiModel", { model: ai.model })}
        </Text>
      )}
      {ai && !ai.used && (
        <Text size="xs">{t("details.aiFallback", { why: readableCode(ai.guardrail ?? ai.fallback_reason ?? "") })}</Text>
      )}
    </Stack>
  );
}

function Cost({ f }: { f: FollowUp }) {
  const t = useT();
  const format = useFormat();
  const messaging = f.pricing?.cost_usd ?? 0;
  const ai = f.ai?.cost_usd ?? 0;
  if (!f.pricing && !ai) return <Text size="sm">{t("details.noCost")}</Text>;
  return (
    <Text size="sm" data-testid="details-cost">
      {t("details.costs", {
        total: format.dollars(messaging + ai),
        messaging: format.dollars(messaging),
        ai: format.dollars(ai),
      })}
    </Text>
  );
}

function History({ f }: { f: FollowUp }) {
  const format = useFormat();
  const statusWords = useStatusWords();
  const reasonWords = useReasonWords();
  const workspaceZone = useWorkspaceZone();
  const zone = f.zone ?? workspaceZone ?? "UTC";
  return (
    <ol className="history" data-testid="details-history">
      {f.history.map((change, index) => (
        <li key={`${change.at}-${index}`}>
          <strong>{statusWords(change.status)}</strong> · {format.dateTime(change.at, zone)} ({zone})
          {change.reason && ` · ${reasonWords(change.reason, change.reason === f.reason ? f.reason_code : null)}`}
        </li>
      ))}
    </ol>
  );
}
