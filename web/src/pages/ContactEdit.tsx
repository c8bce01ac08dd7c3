import { Button, Group, NativeSelect, Stack, TagsInput, Text, TextInput, Title } from "@mantine/core";
import { useEffect, useRef, useState } from "react";
import type { Contact } from "../api";
import { useT } from "../i18n/locale";
import { useProblemWords, useProblemsByField } from "../problems";
import { useSession } from "../session";

const MAX_VALUE = 1000;

/** Score, tags and attributes, edited together and saved as one change (tags one by one,
 * attributes key by key, so what others changed meanwhile is kept): a save sends only what
 * was changed in the form, from the contact as the form showed it. */
export function ContactEdit({ contact, onSaved }: { contact: Contact; onSaved: (saved: Contact) => void }) {
  const { api } = useSession();
  const t = useT();
  const words = useProblemWords();
  const problemsByField = useProblemsByField();
  // The contact as the form shows it: the page may read the contact again meanwhile (a
  // conversation closed, a task done), and what others changed since is not the reader's edit.
  const shown = useRef(contact);
  const [score, setScore] = useState(contact.score);
  const [tags, setTags] = useState<string[]>(contact.tags);
  const [values, setValues] = useState<Record<string, string>>(contact.attributes);
  const [removed, setRemoved] = useState<string[]>([]);
  const [newKey, setNewKey] = useState("");
  const [newValue, setNewValue] = useState("");
  const [problems, setProblems] = useState<Map<string, string[]>>(new Map());
  const [note, setNote] = useState("");
  const problem = (field: string) => problems.get(field)?.join(" ");

  // The contact read again shows in a form with nothing typed in it; typed edits stay.
  useEffect(() => {
    const was = shown.current;
    if (contact === was) return;
    const untouched =
      score === was.score &&
      JSON.stringify(tags) === JSON.stringify(was.tags) &&
      JSON.stringify(values) === JSON.stringify(was.attributes) &&
      !removed.length &&
      !newKey.trim() &&
      !newValue;
    if (!untouched) return;
    shown.current = contact;
    setScore(contact.score);
    setTags(contact.tags);
    setValues(contact.attributes);
  }, [contact]);

  const save = async () => {
    const was = shown.current;
    const attributes: Record<string, string | null> = {};
    for (const [key, value] of Object.entries(values)) if (was.attributes[key] !== value) attributes[key] = value;
    for (const key of removed) attributes[key] = null;
    if (newKey.trim()) attributes[newKey.trim()] = newValue;
    const body: Record<string, unknown> = {
      add_tags: tags.filter((tag) => !was.tags.includes(tag)),
      remove_tags: was.tags.filter((tag) => !tags.includes(tag)),
    };
    if (Object.keys(attributes).length) body.attributes = attributes;
    if (score !== was.score) body.score = score;
    // The API keeps values up to 1000 characters: a longer one is said here, not sent.
    const tooLong = Object.entries(attributes).filter(([, value]) => (value ?? "").length > MAX_VALUE);
    if (tooLong.length) {
      setProblems(new Map(tooLong.map(([key]) => [`attributes.${key}`, [t("contact.tooLong", { max: MAX_VALUE })]])));
      setNote(t("contact.notSaved"));
      return;
    }
    try {
      const saved = await api.call<Contact>("PATCH", `/api/contacts/${encodeURIComponent(contact.id)}`, body);
      shown.current = saved;
      setProblems(new Map());
      setRemoved([]);
      setNewKey("");
      setNewValue("");
      setValues(saved.attributes);
      setTags(saved.tags);
      setScore(saved.score);
      setNote(t("contact.saved"));
      onSaved(saved);
    } catch (error) {
      const found = problemsByField(error);
      setProblems(found);
      setNote(found.size ? t("contact.notSaved") : words(error));
    }
  };

  const tagProblem = [...problems.entries()].filter(([f]) => f.endsWith("tags") || f.includes("tags.")).flatMap(([, m]) => m);
  return (
    <Stack gap="xs" data-testid="contact-edit">
      <Title order={3}>{t("contact.details")}</Title>
      <NativeSelect
        label={t("contacts.score")}
        value={score}
        onChange={(e) => setScore(e.currentTarget.value)}
        error={problem("score")}
        data={["hot", "warm", "cold"].map((s) => ({ value: s, label: t(`contacts.score.${s}` as "contacts.score.hot") }))}
        maw={240}
      />
      <TagsInput
        label={t("contacts.tags")}
        description={t("contact.tagsHint")}
        value={tags}
        onChange={setTags}
        error={tagProblem.length ? tagProblem.join(" ") : undefined}
        maxLength={64}
        clearable={false}
        maw={480}
      />
      <Text fw={600} size="sm" mt="xs">
        {t("contact.attributes")}
      </Text>
      {Object.keys(values).length === 0 && (
        <Text size="sm" c="dimmed">
          {t("contact.noAttributes")}
        </Text>
      )}
      {Object.entries(values).map(([key, value]) => (
        <Group key={key} align="end" gap="xs" wrap="nowrap">
          <TextInput
            label={key}
            value={value}
            onChange={(e) => {
              const next = e.currentTarget.value;
              setValues((current) => ({ ...current, [key]: next }));
            }}
            error={problem(`attributes.${key}`)}
            maxLength={MAX_VALUE}
            w={320}
            maw="70vw"
          />
          <Button
            variant="default"
            size="sm"
            aria-label={t("contact.removeAttribute", { key })}
            onClick={() => {
              setValues(({ [key]: _gone, ...rest }) => rest);
              setRemoved((current) => [...current, key]);
            }}
          >
            ×
          </Button>
        </Group>
      ))}
      <Group align="end" gap="xs">
        <TextInput
          label={t("contact.newAttribute")}
          value={newKey}
          onChange={(e) => setNewKey(e.currentTarget.value)}
          error={newKey.trim() ? problem(`attributes.${newKey.trim()}`) : problem("attributes")}
          maxLength={64}
          w={200}
        />
        <TextInput
          label={t("contact.newValue")}
          value={newValue}
          onChange={(e) => setNewValue(e.currentTarget.value)}
          maxLength={MAX_VALUE}
          w={240}
          maw="100%"
        />
      </Group>
      <Group gap="sm">
        <Button onClick={save}>{t("contact.save")}</Button>
        {note && <Text role="status">{note}</Text>}
      </Group>
    </Stack>
  );
}
