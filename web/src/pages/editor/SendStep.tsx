// A send step: wait, channel, free text, a template from the synced catalogue with its
// parameters, and what the AI writes.
import { Badge, Blockquote, Button, Checkbox, Group, NativeSelect, Stack, Text, TextInput, Textarea } from "@mantine/core";
import type { StepAi } from "../../api";
import { statusKey } from "../../explain";
import { known, useT } from "../../i18n/locale";
import { DurationInput } from "./fields";
import { CHANNELS, type Step, type TemplateParam } from "./model";
import { type Problems, problemsAt } from "./problems";
import { SMS_MAX_CHARACTERS, SMS_NEAR_LIMIT, namedCharacters, smsParts, typicalText, writtenLength } from "./sms";

export interface CatalogueTemplate {
  name: string;
  language: string;
  category: string;
  status: string;
  placeholders: number;
  body: string;
  reason?: string | null;
}

// Dark shades: an outlined badge's word keeps 4.5:1 contrast on white.
const STATUS_COLOR: Record<string, string> = { APPROVED: "#1e6b30", PENDING: "#7a4a00", REJECTED: "#a61e1e", PAUSED: "#8a3c00" };

function resized(params: TemplateParam[], count: number): TemplateParam[] {
  const kept = params.slice(0, count);
  while (kept.length < count) kept.push({ text: "" });
  return kept;
}

export function SendStep({
  step,
  index,
  path,
  problems,
  catalogue,
  change,
}: {
  step: Step;
  index: number;
  path: string;
  problems: Problems;
  catalogue: CatalogueTemplate[];
  change: (edit: (step: Step) => void) => void;
}) {
  const t = useT();
  const n = index + 1;
  const at = (field: string, below = false) => problemsAt(problems, `${path}.${field}`, below);
  const template = step.template ?? null;
  const params = template?.params ?? [];
  const chosen = template && catalogue.find((c) => c.name === template.name && c.language === template.language);
  // Picking a template (or the fix button) sizes its parameters; typing a name keeps them,
  // so a mismatch is said beside the field instead of being papered over.
  const setTemplate = (name: string, language: string, fit = true) =>
    change((s) => {
      const found = catalogue.find((c) => c.name === name && c.language === language);
      const kept = s.template?.params ?? [];
      s.template = {
        ...(s.template ?? {}),
        name,
        language,
        ...(found ? { category: found.category.toLowerCase() === "utility" ? "utility" : "marketing" } : {}),
        params: found && fit ? resized(kept, found.placeholders) : kept,
      };
    });
  const setParam = (k: number, edit: (param: TemplateParam) => TemplateParam) =>
    change((s) => {
      if (s.template?.params) s.template.params[k] = edit(s.template.params[k]);
    });
  // At most one parameter is written by the AI: choosing one unmarks the others.
  const setAiParam = (chosenParam: number | null) =>
    change((s) => {
      if (s.template?.params) s.template.params = s.template.params.map((p, k) => ({ ...p, ai: k === chosenParam }));
    });
  const setAi = (edit: Partial<StepAi>) =>
    change((s) => {
      s.ai = { ...(s.ai ?? { instructions: "" }), ...edit };
    });
  const channel = step.channel ?? "whatsapp";
  const fallbacks = (step.fallbacks as string[] | undefined) ?? [];
  // Counted as a lead gets it: placeholders filled by their default or a typical value.
  const typical = typicalText(step.text ?? "");
  const sms = channel === "sms" || fallbacks.includes("sms") ? smsParts(typical) : null;
  // Measured against the limit as the save measures it: the text as written.
  const written = writtenLength(step.text ?? "");
  return (
    <Stack gap="sm">
      <div data-part={`${path}.wait`}>
        <DurationInput
          label={t("editor.send.wait", { n })}
          value={step.wait ?? { amount: 0, unit: "minutes" }}
          change={(wait) => change((s) => (s.wait = wait))}
          error={at("wait", true)}
        />
      </div>
      <Stack gap="xs" data-part={`${path}.channel`}>
        <NativeSelect
          label={t("editor.send.channel", { n })}
          value={channel}
          onChange={(e) => {
            const next = e.currentTarget.value;
            change((s) => {
              s.channel = next;
              s.fallbacks = fallbacks.filter((c) => c !== next);
            });
          }}
          data={CHANNELS.map((c) => ({ value: c, label: t(`editor.channel.${c}`) }))}
          error={at("channel")}
        />
        <Group gap="md" role="group" aria-label={t("editor.send.fallbacks", { n })}>
          {FALLBACKS.filter((c) => c !== channel).map((c) => (
            <Checkbox
              key={c}
              label={t("editor.send.fallback", { n, channel: t(`editor.channel.${c}`) })}
              checked={fallbacks.includes(c)}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                change((s) => (s.fallbacks = FALLBACKS.filter((k) => (k === c ? on : fallbacks.includes(k)))));
              }}
            />
          ))}
        </Group>
        {at("fallbacks", true) && (
          <Text size="sm" c="red.9">
            {at("fallbacks", true)}
          </Text>
        )}
      </Stack>
      <Textarea
        label={t("editor.send.text", { n })}
        description={t("editor.send.textHint")}
        autosize
        minRows={2}
        value={step.text ?? ""}
        onChange={(e) => change((s) => (s.text = e.currentTarget.value))}
        error={at("text")}
      />
      {sms && (
        <Text size="sm" data-testid={`sms-count-${index}`} aria-live="polite">
          {t("editor.send.smsCount", { count: sms.characters, parts: sms.parts })}
          {typical !== (step.text ?? "") && ` · ${t("editor.send.smsFilled")}`}
          {sms.unicode && (
            <Text span size="sm" c="#8a3c00">
              {" · "}
              {t("editor.send.smsUnicode", { chars: namedCharacters(sms.forcedBy) })}
            </Text>
          )}
          {written >= SMS_NEAR_LIMIT && (
            <Text span size="sm" c={written > SMS_MAX_CHARACTERS ? "red.9" : "#8a3c00"}>
              {" · "}
              {t(written > SMS_MAX_CHARACTERS ? "editor.send.smsOverLimit" : "editor.send.smsNearLimit", {
                count: written,
                max: SMS_MAX_CHARACTERS,
              })}
            </Text>
          )}
        </Text>
      )}
      {channel === "email" && (
        <>
          <TextInput
            label={t("editor.send.subject", { n })}
            value={step.email?.subject ?? ""}
            onChange={(e) => change((s) => (s.email = { body: s.email?.body ?? "", subject: e.currentTarget.value }))}
            error={at("email.subject")}
          />
          <Textarea
            label={t("editor.send.emailBody", { n })}
            autosize
            minRows={2}
            value={step.email?.body ?? ""}
            onChange={(e) => change((s) => (s.email = { subject: s.email?.subject ?? "", body: e.currentTarget.value }))}
            error={at("email.body")}
          />
        </>
      )}
      {channel === "whatsapp" && (
        <Stack gap="xs">
          {catalogue.length > 0 ? (
            <NativeSelect
              label={t("editor.template.pick", { n })}
              value={chosen ? `${chosen.name}|${chosen.language}` : ""}
              onChange={(e) => {
                const [name, language] = e.currentTarget.value.split("|");
                setTemplate(name ?? "", language ?? "en");
              }}
              data={[
                { value: "", label: t("editor.template.none") },
                ...catalogue.map((c) => ({
                  value: `${c.name}|${c.language}`,
                  label: t("editor.template.option", { name: c.name, language: c.language, status: t(statusKey(c.status)) }),
                })),
              ]}
            />
          ) : (
            <Text size="sm" c="dimmed">
              {t("editor.template.noCatalogue")}
            </Text>
          )}
          <Group gap="xs" align="flex-start" wrap="wrap">
            <TextInput
              label={t("editor.template.name", { n })}
              value={template?.name ?? ""}
              onChange={(e) => setTemplate(e.currentTarget.value, template?.language ?? "en", false)}
              error={at("template") ?? at("template.name")}
            />
            <TextInput
              label={t("editor.template.language", { n })}
              value={template?.language ?? "en"}
              onChange={(e) => setTemplate(template?.name ?? "", e.currentTarget.value, false)}
              error={at("template.language")}
              w="8rem"
            />
          </Group>
          {chosen && (
            <div data-testid={`template-${index}`}>
              <Group gap="xs">
                <Badge color={STATUS_COLOR[chosen.status] ?? "#495057"} variant="outline">
                  {t(statusKey(chosen.status))}
                </Badge>
                <Text size="sm">{t("editor.template.category", { category: known(`category.${chosen.category.toLowerCase()}`, t, chosen.category) })}</Text>
              </Group>
              {chosen.reason && <Text size="sm">{chosen.reason}</Text>}
              <Blockquote p="xs" mt="xs">
                {chosen.body}
              </Blockquote>
            </div>
          )}
          {params.length > 0 && (
            <Stack gap="xs" role="group" aria-label={t("editor.template.params", { n })}>
              <Text size="sm">{t("editor.template.paramsHint")}</Text>
              {params.map((p, k) => (
                <Group key={k} gap="xs" align="flex-end" wrap="wrap">
                  <NativeSelect
                    label={t("editor.param.source", { n, k: k + 1 })}
                    value={p.field !== undefined && p.field !== null ? "field" : "text"}
                    onChange={(e) =>
                      setParam(k, (old) =>
                        e.currentTarget.value === "field"
                          ? { ...old, field: old.text ?? "", text: null }
                          : { ...old, text: old.field ?? "", field: null },
                      )
                    }
                    data={[
                      { value: "field", label: t("editor.param.field") },
                      { value: "text", label: t("editor.param.text") },
                    ]}
                  />
                  <TextInput
                    label={t("editor.param.value", { n, k: k + 1 })}
                    value={(p.field ?? p.text) || ""}
                    onChange={(e) => {
                      const value = e.currentTarget.value;
                      setParam(k, (old) => (old.field !== undefined && old.field !== null ? { ...old, field: value } : { ...old, text: value }));
                    }}
                    error={at(`template.params.${k}`, true)}
                  />
                  {p.field !== undefined && p.field !== null && (
                    <TextInput
                      label={t("editor.param.default", { n, k: k + 1 })}
                      description={t("editor.param.defaultHint")}
                      value={p.default ?? ""}
                      onChange={(e) => {
                        const value = e.currentTarget.value;
                        setParam(k, (old) => ({ ...old, default: value }));
                      }}
                    />
                  )}
                  <Checkbox
                    label={t("editor.param.ai", { n, k: k + 1 })}
                    checked={p.ai ?? false}
                    onChange={(e) => setAiParam(e.currentTarget.checked ? k : null)}
                  />
                </Group>
              ))}
            </Stack>
          )}
          {at("template.params") && (
            <Text size="sm" c="red.9" data-testid={`params-problem-${index}`}>
              {at("template.params")}
            </Text>
          )}
          {chosen && chosen.placeholders !== params.length && (
            <Group gap="xs">
              <Button size="xs" variant="default" onClick={() => setTemplate(chosen.name, chosen.language)}>
                {t("editor.template.fitParams", { n, count: chosen.placeholders })}
              </Button>
            </Group>
          )}
        </Stack>
      )}
      <Textarea
        label={t("editor.ai.instructions", { n })}
        description={t("editor.ai.hint")}
        autosize
        minRows={2}
        value={step.ai?.instructions ?? ""}
        onChange={(e) => setAi({ instructions: e.currentTarget.value })}
        error={at("ai.instructions") ?? at("ai")}
      />
      <Textarea
        label={t("editor.ai.extra", { n })}
        autosize
        minRows={1}
        value={step.ai?.extra ?? ""}
        onChange={(e) => setAi({ extra: e.currentTarget.value })}
        error={at("ai.extra")}
      />
      <Checkbox
        label={t("editor.ai.approval", { n })}
        checked={step.ai?.approval ?? false}
        onChange={(e) => setAi({ approval: e.currentTarget.checked })}
      />
    </Stack>
  );
}

/** Channels a message falls back to, in the order they are tried (WhatsApp only ever goes first). */
const FALLBACKS = ["sms", "email"] as const;

