import { Alert, Button, Group, NativeSelect, Stack, Text, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "react-router";
import { type Contact, type FollowUp, type Rule, type SendNowAnswer, type Task, TRIGGER_KINDS, type UpcomingStep } from "../api";
import { useSkipWords } from "../explain";
import { leadName, useFormat } from "../format";
import { known, useT } from "../i18n/locale";
import { Empty, ErrorState, Loading, useProblemWords } from "../problems";
import { useRules, useSession, useWorkspacePaused, useWorkspaceZone } from "../session";
import { type ReplyEffect, useEffectWords, useIntentWords, useReasonWords, useWaitWords } from "../waiting";
import { ContactEdit } from "./ContactEdit";
import { TaskList } from "./Tasks";

const SEND_NOW_WHY = new Set([
  "already_sent",
  "not_sent",
  "window_closed",
  "warm_up",
  "messaging_limit",
  "paused",
  "email_paused",
  "send_anytime",
  "window_open",
]);
/** Answers whose `send_at` is when the follow-up will go, later than now. */
const GOES_LATER = new Set(["window_closed", "warm_up", "messaging_limit"]);

interface MessageIntent extends ReplyEffect {
  intent: string;
  confidence: number;
  local: string | null;
}

interface Message {
  id: string;
  at: string;
  /** Where a lead's line falls when not at `at`, its whole-second stamp: after what we did in that second. */
  placed_at?: string | null;
  direction: string;
  speaker: string;
  text: string;
  /** What the lead sent, by WhatsApp's type (`image`, `audio`, `order`...): `text` is then its
   * caption or note, or a `[kind]` marker. Absent on other lines and older ones. */
  kind?: string | null;
  intent: MessageIntent | null;
}

/** One line of the contact's timeline; `placed` orders it when it is not at `at`. */
interface TimelineEvent {
  at: string;
  placed?: string;
  kind: string;
  text: string;
  intent: string;
}

/** An ISO time as milliseconds and the microseconds past them (a Date keeps milliseconds only). */
function instant(iso: string): [number, number] {
  const fraction = /\.(\d+)/.exec(iso)?.[1] ?? "";
  return [Date.parse(iso), Number(fraction.padEnd(6, "0").slice(3, 6))];
}

function later(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

export function ContactPage() {
  const { api, session } = useSession();
  const t = useT();
  const format = useFormat();
  const words = useProblemWords();
  const waitWords = useWaitWords();
  const reasonWords = useReasonWords();
  const intentWords = useIntentWords();
  const effectWords = useEffectWords();
  const workspaceZone = useWorkspaceZone();
  const workspacePaused = useWorkspacePaused();
  const skipWords = useSkipWords();
  const queries = useQueryClient();
  const allRules = useRules();
  const contactId = useParams().contactId ?? "";
  const id = encodeURIComponent(contactId);
  const [chosen, setChosen] = useState("");
  const [note, setNote] = useState("");
  const contact = useQuery({ queryKey: ["contact", contactId], queryFn: () => api.get<Contact>(`/api/contacts/${id}`) });
  const timeline = useQuery({
    queryKey: ["timeline", contactId],
    queryFn: () => api.get<{ messages: Message[]; followups: FollowUp[] }>(`/api/contacts/${id}/timeline`),
  });
  // Only the rules that apply to this contact: active, their stages and conditions take them.
  const rules = useQuery({
    queryKey: ["contact-rules", contactId],
    queryFn: () => api.get<{ rules: Rule[] }>(`/api/contacts/${id}/rules`).then((found) => found.rules),
  });
  const upcoming = useQuery({
    queryKey: ["upcoming", contactId],
    queryFn: () => api.get<{ steps: UpcomingStep[] }>(`/api/contacts/${id}/upcoming`).then((found) => found.steps),
  });
  const tasks = useQuery({
    queryKey: ["contact-tasks", contactId],
    queryFn: () => api.get<{ tasks: Task[] }>(`/api/contacts/${id}/tasks`).then((found) => found.tasks),
  });
  const refresh = () =>
    Promise.all(
      [
        ["contact", contactId],
        ["timeline", contactId],
        ["contact-rules", contactId],
        ["upcoming", contactId],
        ["contact-tasks", contactId],
      ].map((queryKey) =>
        queries.invalidateQueries({ queryKey }),
      ),
    );

  const sendNow = async () => {
    try {
      const answer = await api.call<SendNowAnswer>("POST", `/api/contacts/${id}/followups`, { rule_id: chosen });
      const why = SEND_NOW_WHY.has(answer.why_code)
        ? t(`contact.why.${answer.why_code}` as "contact.why.window_open", {
            when: t("time.inZone", { time: format.dateTime(answer.send_at, answer.zone), zone: answer.zone }),
          })
        : answer.why;
      setNote(
        answer.now
          ? t("contact.sendingNow", { why })
          : GOES_LATER.has(answer.why_code)
            ? t("contact.goes", { when: format.when(answer.send_at, answer.zone), zone: answer.zone, why })
            : t("contact.notNow", { why }),
      );
      await refresh();
    } catch (error) {
      setNote(words(error));
    }
  };

  const setConversation = async (action: "close" | "reopen") => {
    try {
      queries.setQueryData(["contact", contactId], await api.call<Contact>("POST", `/api/contacts/${id}/conversation/${action}`));
      // A closed conversation takes only the rules that send into closed ones.
      await refresh();
      setChosen("");
      setNote("");
    } catch (error) {
      setNote(words(error));
    }
  };

  const stopContacting = async (stop: boolean) => {
    try {
      const saved = await api.call<Contact>(stop ? "POST" : "DELETE", `/api/contacts/${id}/do-not-contact`);
      queries.setQueryData(["contact", contactId], saved);
      setNote(stop ? t("contact.dnc.set") : t("contact.dnc.lifted"));
      await refresh();
    } catch (error) {
      setNote(words(error));
    }
  };

  const failed = contact.error ?? timeline.error;
  if (failed) return <ErrorState error={failed} retry={refresh} />;
  if (!contact.data || !timeline.data) return <Loading />;
  const lead = contact.data;
  const zone = lead.zone ?? lead.timezone ?? workspaceZone ?? "UTC";
  const inZone = (iso: string) => t("time.inZone", { time: format.dateTime(iso, zone), zone });
  const ruleName = (ruleId: string) => allRules.data?.find((r) => r.id === ruleId)?.name ?? ruleId;
  /** What caused a scheduled follow-up, when: by hand, or its rule's trigger at the moment
   * its silence began or its occurrence came (nothing for a rule no longer listed). */
  const causeWords = (f: FollowUp) => {
    if (f.manual) return t("contact.byHand");
    const kind = allRules.data?.find((r) => r.id === f.rule_id)?.trigger.kind;
    const named = (TRIGGER_KINDS as readonly string[]).includes(kind ?? "");
    if (!kind || !f.silence_key || !named) return "";
    return t(`contact.cause.${kind}` as "contact.cause.idle", { at: inZone(f.silence_key) });
  };
  /** A line's words, after what was sent when it was more than words: "Photo: <caption>",
   * "Order: <note>", "Voice note" for its `[audio]` marker (a line kept before its kind was
   * is told by its marker). */
  const lineText = (m: Message) => {
    const marker = /^\[([a-z_]+)\]$/.exec(m.text)?.[1];
    const kind = m.kind ?? marker;
    const label = kind ? known(`contact.sent.${kind}`, t, "") : "";
    if (!label) return m.text;
    return kind === marker ? label : t("contact.sentWith", { kind: label, text: m.text });
  };
  const scheduled = timeline.data.followups.filter((f) => f.status === "queued" || f.status === "waiting_template");
  const changedWord = lead.conversation_open ? t("contact.reopened") : t("contact.closedWord");
  const events: TimelineEvent[] = [
    ...timeline.data.messages.map((m) => ({
      at: m.at,
      placed: m.placed_at ?? m.at,
      kind: t("contact.message", {
        speaker: known(`contact.speaker.${m.speaker}`, t, m.speaker),
        direction: known(`contact.direction.${m.direction}`, t, m.direction),
      }),
      text: lineText(m),
      intent:
        m.intent && (m.intent.intent !== "other" || m.intent.effect)
        ? [
            t("contact.intent", { intent: intentWords(m.intent.intent), confidence: m.intent.confidence }),
            m.intent.local && format.wallTime(m.intent.local),
            m.intent.effect && effectWords(m.intent, ruleName),
          ]
            .filter(Boolean)
            .join(" · ")
        : "",
    })),
    ...timeline.data.followups
      .filter((f) => f.sent_at)
      .map((f) => ({
        at: f.sent_at as string,
        kind: t("contact.followupEvent", { rule: ruleName(f.rule_id) }),
        text: [known(`status.${f.status}`, t, f.status), ...(f.skipped_channels ?? []).map(skipWords)].join(" · "),
        intent: "",
      })),
    ...(tasks.data ?? []).flatMap((task) => [
      { at: task.created_at, kind: t("contact.taskEvent"), text: t("contact.taskCreated", { title: task.title, who: task.assignee }), intent: "" },
      ...(task.done_at
        ? [{ at: task.done_at, kind: t("contact.taskEvent"), text: t("contact.taskDone", { title: task.title }), intent: "" }]
        : []),
    ]),
    ...(lead.conversation_changed_at
      ? [
          {
            at: lead.conversation_changed_at,
            kind: t("contact.conversationEvent"),
            text: t("contact.changed", { state: changedWord, who: lead.conversation_changed_by, at: "" }).trim(),
            intent: "",
          },
        ]
      : []),
  ];
  events.sort((a, b) => later(instant(b.placed ?? b.at), instant(a.placed ?? a.at)));
  const ruleOptions = rules.data ?? [];
  const stoppedByStaff = lead.opted_out && !!lead.opted_out_by && lead.opted_out_by !== "contact";
  // A bounce of an address the contact no longer has stops nothing: the new one is emailed.
  const bounce = lead.email_bounce?.address === lead.email ? lead.email_bounce : null;
  const stepWords = (step: UpcomingStep) =>
    step.kind === "send"
      ? t("contact.upcoming.send", { channel: known(`editor.channel.${step.does}`, t, step.does) })
      : step.kind === "action"
        ? t("contact.upcoming.action", { action: step.does })
        : step.kind === "wait"
          ? t("contact.upcoming.wait")
          : t("contact.upcoming.branch");
  return (
    <Stack gap="sm">
      <Title order={2}>{leadName(lead.name, lead.wa_id, lead.id)}</Title>
      <Text>
        {t("contact.summary", {
          number: lead.wa_id ? `+${lead.wa_id}` : "–",
          stage: lead.stage,
          score: known(`contacts.score.${lead.score}`, t, lead.score),
          zone: lead.zone ?? lead.timezone ?? workspaceZone ?? t("time.workspaceZone"),
        })}
        {lead.opted_out && <strong> · {stoppedByStaff ? t("contact.dnc.short") : t("contact.optedOut")}</strong>}
      </Text>
      {lead.email && (
        <Text size="sm" data-testid="contact-email">
          {t("contact.email", { email: lead.email })}
          {bounce && <strong> · {t("contact.emailBounced", { at: inZone(bounce.at) })}</strong>}
        </Text>
      )}
      <Group gap="sm" data-testid="do-not-contact">
        {!lead.opted_out && (
          <>
            <Text size="sm">{t("contact.dnc.explain")}</Text>
            <Button size="xs" color="red.9" variant="outline" onClick={() => stopContacting(true)}>
              {t("contact.dnc.button")}
            </Button>
          </>
        )}
        {stoppedByStaff && (
          <Alert color="red" variant="light" p="xs">
            <Text size="sm">
              {t("contact.dnc.by", {
                who: lead.opted_out_by,
                at: lead.opted_out_at ? inZone(lead.opted_out_at) : "",
              })}{" "}
              {session.role === "admin" ? "" : t("contact.dnc.adminOnly")}
            </Text>
            {session.role === "admin" && (
              <Button size="xs" mt="xs" variant="default" onClick={() => stopContacting(false)}>
                {t("contact.dnc.lift")}
              </Button>
            )}
          </Alert>
        )}
        {lead.opted_out && !stoppedByStaff && <Text size="sm">{t("contact.dnc.ownStop")}</Text>}
      </Group>
      <Group gap="sm" data-testid="conversation-state">
        <Text>
          {lead.conversation_open ? t("contact.open") : <strong>{t("contact.closed")}</strong>}
          {lead.conversation_changed_at &&
            ` · ${t("contact.changed", {
              state: changedWord,
              who: lead.conversation_changed_by,
              at: inZone(lead.conversation_changed_at),
            })}`}
        </Text>
        <Button size="xs" variant="default" onClick={() => setConversation(lead.conversation_open ? "close" : "reopen")}>
          {lead.conversation_open ? t("contact.close") : t("contact.reopen")}
        </Button>
      </Group>
      <Group align="end" gap="sm">
        <NativeSelect
          label={t("contact.ruleToSend")}
          value={chosen}
          onChange={(e) => setChosen(e.currentTarget.value)}
          data={[
            { value: "", label: ruleOptions.length ? t("contact.pickRule") : t("contact.noRule") },
            ...ruleOptions.map((r) => ({ value: r.id, label: r.name })),
          ]}
        />
        <Button disabled={!chosen || lead.opted_out} onClick={sendNow}>
          {t("contact.sendNow")}
        </Button>
      </Group>
      {note && <Text role="status">{note}</Text>}
      <Title order={3}>{t("contact.scheduled")}</Title>
      {scheduled.length === 0 && <Empty>{t("contact.nothingScheduled")}</Empty>}
      <ul>
        {scheduled.map((f) => (
          <li key={f.id}>
            {t("contact.scheduledItem", { rule: ruleName(f.rule_id), at: inZone(f.scheduled_at) })}{" "}
            {causeWords(f)}
            {waitWords(f) && <small className="why-waiting">{waitWords(f)}</small>}
            {f.status === "waiting_template" && <small className="why-waiting">{reasonWords(f.reason)}</small>}
          </li>
        ))}
      </ul>
      <Title order={3}>{t("contact.upcoming")}</Title>
      {upcoming.isError && <ErrorState error={upcoming.error} retry={() => upcoming.refetch()} />}
      {upcoming.data?.length === 0 && <Empty>{t("contact.upcoming.none")}</Empty>}
      {!!upcoming.data?.length && (
        <ul data-testid="upcoming">
          {upcoming.data.map((step) => (
            // A step sent again (its repeats) is listed once for each time it goes.
            <li key={`${step.rule_id}-${step.step}-${step.due ?? ""}`}>
              {t("contact.upcoming.item", { rule: step.rule_name, step: step.step, what: stepWords(step) })}{" "}
              {step.by_hand && step.at
                ? t("contact.upcoming.byHand", { at: inZone(step.at) })
                : step.at
                  ? inZone(step.at)
                  : t("contact.upcoming.depends")}
              {step.at && step.due && step.at !== step.due && (
                <small className="why-waiting">{t("contact.upcoming.moved", { due: inZone(step.due) })}</small>
              )}
              {step.held && <small className="why-waiting">{t("contact.upcoming.held")}</small>}
              {step.starts && <small className="why-waiting">{t("contact.upcoming.starts")}</small>}
              {step.paused && (
                <small className="why-waiting">
                  {t(
                    step.email_paused
                      ? "contact.upcoming.emailPaused"
                      : workspacePaused
                        ? "contact.upcoming.workspacePaused"
                        : "contact.upcoming.paused",
                  )}
                </small>
              )}
              {step.may_defer === "messaging_limit" && (
                <small className="why-waiting">{t("contact.upcoming.mayDefer.limit")}</small>
              )}
              {step.may_defer === "warm_up" && (
                <small className="why-waiting">{t("contact.upcoming.mayDefer.warmUp")}</small>
              )}
            </li>
          ))}
        </ul>
      )}
      <Title order={3}>{t("contact.tasks")}</Title>
      {tasks.isError && <ErrorState error={tasks.error} retry={() => tasks.refetch()} />}
      {tasks.data?.length === 0 && <Empty>{t("contact.noTasks")}</Empty>}
      {!!tasks.data?.length && <TaskList tasks={tasks.data} zone={zone} showContact={false} onChanged={refresh} />}
      <ContactEdit key={lead.id} contact={lead} onSaved={(saved) => {
        queries.setQueryData(["contact", contactId], saved);
        queries.invalidateQueries({ queryKey: ["contacts"] });
      }} />
      <Title order={3}>{t("contact.timeline")}</Title>
      {events.length === 0 && <Empty>{t("contact.timelineEmpty")}</Empty>}
      <ol className="timeline">
        {events.map((e, i) => (
          <li key={i}>
            <time dateTime={e.at}>{inZone(e.at)}</time> <em>{e.kind}</em> {e.text}
            {e.intent && <small className="intent">{e.intent}</small>}
          </li>
        ))}
      </ol>
    </Stack>
  );
}
