// The journey builder: the journey drawn as a map beside its fields; a rule's trigger, who it
// is for and its steps (send, wait, branch, action), added, duplicated, moved and removed; a
// draft kept in the browser; the API's problems beside the fields they concern; a preview and
// a dry run before it goes live; its versions compared and restored; recipes to start from.
import { Alert, Button, Checkbox, Group, NativeSelect, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useLocation, useNavigate, useParams } from "react-router";
import { type Api, ApiError, type Problem, type Rule } from "../api";
import { useFormat } from "../format";
import { useT } from "../i18n/locale";
import { useMassSendWords } from "../massSend";
import { ErrorState, Loading } from "../problems";
import { useSession, useWorkspaceZone } from "../session";
import { Canvas } from "./editor/Canvas";
import { ListInput } from "./editor/fields";
import { ActionStep, BranchStep, WaitStep } from "./editor/FlowSteps";
import { type Draft, dropDraft, keepDraft, loadDraft } from "./editor/draft";
import { History } from "./editor/History";
import { KINDS, type Kind, type Step, blankRule, inserted, kindOf, moved, newStep, removed, toBody } from "./editor/model";
import { type Problems, problemsAt, useProblemReader } from "./editor/problems";
import { type Arrival, Recipes } from "./editor/Recipes";
import { type CatalogueTemplate, SendStep } from "./editor/SendStep";
import { DryRunPanel, type Preview, PreviewPanel, SampleStep } from "./editor/Trying";
import { TriggerFields } from "./editor/TriggerFields";
import { WhoFields } from "./editor/WhoFields";
import type { Conditions } from "./editor/words";

/** Where, inside a step of each kind, a field shows its own problems; the card shows the rest. */
const SHOWN_AT_FIELD: Record<Kind, RegExp> = {
  send: /^(wait(\..*)?|channel|fallbacks(\..*)?|text|email\.(subject|body)|template(\.name|\.language|\.params(\..*)?)?|ai(\.instructions|\.extra)?)$/,
  wait: /^(kind|for(\..*)?|until_time|until_attribute|offset(\..*)?)$/,
  branch: /^(if(\..*)?|then|else)$/,
  action: /^(do|tag|stage|attribute|value|title|assignee|due(\..*)?|webhook)$/,
};

/** A warning of the API about a step, in the reader's words, by its code and the values it names. */
function warningWords({ code, values = {} }: Problem, t: ReturnType<typeof useT>): string {
  switch (code) {
    case "sms_unicode": {
      const chars = `${values.characters ?? ""}${Number(values.others) > 0 ? " …" : ""}`;
      const fields = Number(values.placeholders) > 0 ? "yes" : "no";
      return t("editor.warning.smsUnicode", { chars, parts: values.parts ?? 0, plain: values.gsm7_parts ?? 0, fields });
    }
    case "no_default":
      return t("editor.warning.noDefault", { placeholder: `{${values.placeholder}}`, example: `{${values.placeholder}|…}` });
    case "free_text_only":
      return t("editor.warning.freeTextOnly");
    default:
      return t("editor.warning.other");
  }
}

function StepCard({
  api,
  ruleId,
  saved,
  step,
  index,
  count,
  problems,
  warnings,
  catalogue,
  change,
  replace,
  move,
  duplicate,
  remove,
}: {
  api: Api;
  ruleId: string | null;
  /** The step is as saved: a sample (which reads the saved rule) describes it. */
  saved: boolean;
  step: Step;
  index: number;
  count: number;
  problems: Problems;
  warnings: Problem[];
  catalogue: CatalogueTemplate[];
  change: (edit: (step: Step) => void) => void;
  replace: (kind: Kind) => void;
  move: (to: number) => void;
  duplicate: () => void;
  remove: () => void;
}) {
  const t = useT();
  const n = index + 1;
  const kind = kindOf(step);
  const path = `steps.${index}`;
  const rest = [...problems.entries()]
    .filter(([field]) => field === path || (field.startsWith(`${path}.`) && !SHOWN_AT_FIELD[kind].test(field.slice(path.length + 1))))
    .flatMap(([, found]) => found);
  const props = { step, index, count, path, problems, change };
  return (
    <Paper withBorder p="md" data-testid={`step-${index}`} data-part={path} component="section" aria-label={t("editor.stepTitle", { n, kind: t(`editor.kind.${kind}`) })}>
      <Group justify="space-between" align="flex-start" wrap="wrap" mb="sm">
        <Title order={3} size="h4">
          {t("editor.stepTitle", { n, kind: t(`editor.kind.${kind}`) })}
        </Title>
        <Group gap={4} wrap="wrap">
          <Button size="xs" variant="default" disabled={index === 0} data-move="up" onClick={() => move(index - 1)} aria-label={t("editor.moveUp", { n })}>
            ↑
          </Button>
          <Button size="xs" variant="default" disabled={index === count - 1} data-move="down" onClick={() => move(index + 1)} aria-label={t("editor.moveDown", { n })}>
            ↓
          </Button>
          <Button size="xs" variant="default" onClick={duplicate} aria-label={t("editor.duplicate", { n })}>
            {t("editor.duplicateShort")}
          </Button>
          <Button size="xs" variant="default" color="red" disabled={count === 1} onClick={remove} aria-label={t("editor.remove", { n })}>
            {t("editor.removeShort")}
          </Button>
        </Group>
      </Group>
      <Stack gap="sm">
        <NativeSelect
          label={t("editor.kindOf", { n })}
          value={kind}
          onChange={(e) => replace(e.currentTarget.value as Kind)}
          data={KINDS.map((k) => ({ value: k, label: t(`editor.kind.${k}`) }))}
        />
        {rest.length > 0 && (
          <Text size="sm" c="red.9" role="alert">
            {rest.join(" ")}
          </Text>
        )}
        {warnings.map((w) => (
          <Text key={`${w.field} ${w.message}`} size="sm" c="#8a3c00">
            {warningWords(w, t)}
          </Text>
        ))}
        {kind === "send" && <SendStep {...props} catalogue={catalogue} />}
        {kind === "wait" && <WaitStep {...props} />}
        {kind === "branch" && <BranchStep {...props} />}
        {kind === "action" && <ActionStep {...props} />}
        {ruleId && kind === "send" && (saved ? <SampleStep api={api} ruleId={ruleId} index={index} /> : <Text size="sm" c="dimmed">{t("editor.sample.saveFirst")}</Text>)}
      </Stack>
    </Paper>
  );
}

export function RuleEditor({
  api,
  rule: opened,
  restored,
  arrival = null,
  onDone,
}: {
  api: Api;
  rule: Rule | null;
  restored: Draft | null;
  /** A recipe opened here because it could not be installed as it is. */
  arrival?: Arrival | null;
  onDone: () => void;
}) {
  const t = useT();
  const format = useFormat();
  const zone = useWorkspaceZone() ?? "UTC";
  const massSendWords = useMassSendWords();
  // The rule as last saved: the one opened, then each save's answer. A new rule saved here
  // (kept open for its warnings) is from then on edited as that rule: saved again as its
  // next version, its draft kept under its id.
  const [rule, setRule] = useState<Rule | null>(opened);
  const ruleId = rule?.id ?? null;
  const readProblems = useProblemReader();
  const [draft, setDraft] = useState<Rule>(() => restored?.rule ?? (rule ? structuredClone(rule) : blankRule()));
  const current = useRef(draft);
  // The version saved when this editor opened (or last saved here): a save names it, so one
  // made over a version someone else saved meanwhile is refused (409), not saved over it.
  // A kept draft started on an older version saves over the version shown, as its notice says.
  const base = useRef(rule?.version ?? 0);
  // On or off as this editor opened it: a switch is no new version, so a save sends the
  // switch only when it was moved here, and one made elsewhere meanwhile stands.
  const baseActive = useRef(rule?.active);
  const [kept, setKept] = useState<Draft | null>(restored);
  const [problems, setProblems] = useState<Problems>(new Map());
  const [failure, setFailure] = useState<unknown>(null);
  const [warnings, setWarnings] = useState<Problem[]>([]);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [massSend, setMassSend] = useState<string | null>(null);
  const [stale, setStale] = useState(false);
  const [generation, setGeneration] = useState(0);
  const [layout, setLayout] = useState(0);
  const [restoredFrom, setRestored] = useState<number | null>(null);
  const templates = useQuery({
    queryKey: ["templates"],
    queryFn: () => api.get<{ templates: CatalogueTemplate[] }>("/api/templates"),
  });
  const catalogue = templates.data?.templates ?? [];

  // Edits apply at once (not in a state updater), so handlers may read their event.
  const update = (edit: (rule: Rule) => void) => {
    const next = structuredClone(current.current);
    edit(next);
    current.current = next;
    setDraft(next);
    keepDraft(ruleId, next, rule?.version ?? 0);
    setKept(loadDraft(ruleId));
  };
  const steps = draft.steps as Step[];
  const setSteps = (next: Step[]) => {
    update((r) => (r.steps = next as Rule["steps"]));
    setLayout((l) => l + 1);
  };
  // After a move the focus stays on the moved step's button, so the keyboard can keep going.
  const moveStep = (from: number, to: number) => {
    setSteps(moved(steps, from, to));
    const way = to < from ? "up" : "down";
    setTimeout(() => {
      const card = document.querySelector(`[data-testid="step-${to}"]`);
      const button =
        card?.querySelector<HTMLButtonElement>(`[data-move="${way}"]:not(:disabled)`) ??
        card?.querySelector<HTMLButtonElement>("[data-move]:not(:disabled)");
      button?.focus();
    });
  };

  // A node of the map takes the builder to its element: into view, its first field focused.
  const open = (part: string) => {
    const box = document.querySelector<HTMLElement>(`[data-part="${part}"]`);
    if (!box) return;
    box.scrollIntoView({ block: "center" });
    const field = box.matches("input, select, textarea")
      ? box
      : box.querySelector<HTMLElement>("input:not(:disabled), select:not(:disabled), textarea:not(:disabled)");
    (field ?? box).focus({ preventScroll: true });
  };

  // An older version comes back as a draft: saving it makes it the next version.
  const restore = (old: Rule) => {
    update((r) => {
      const keep = { id: r.id, version: r.version, active: r.active };
      for (const field of Object.keys(r)) delete r[field];
      Object.assign(r, structuredClone(old), keep);
    });
    setRestored(old.version);
    setProblems(new Map());
    setGeneration((g) => g + 1);
    window.scrollTo({ top: 0 });
  };

  const discard = () => {
    dropDraft(ruleId);
    const fresh = rule ? structuredClone(rule) : blankRule();
    current.current = fresh;
    setDraft(fresh);
    setKept(null);
    setRestored(null);
    setProblems(new Map());
    setFailure(null);
    setGeneration((g) => g + 1);
  };

  const label = (field: string): string => {
    const step = /^steps\.(\d+)/.exec(field);
    if (step) return t("editor.stepN", { n: Number(step[1]) + 1 });
    const top = field.split(".")[0];
    if (top === "id") return t("editor.id");
    if (top === "name") return t("editor.name");
    if (top === "trigger") return t("editor.trigger");
    if (top === "exit") return t("editor.exit");
    if (top === "goal") return t("canvas.goal");
    if (top === "conditions") return t("canvas.who");
    return field;
  };

  const fail = (error: unknown) => {
    const found = readProblems(error, label);
    setProblems(found);
    setFailure(found.size ? null : error);
  };

  // One save at a time: a second click would send the same version again (refused as
  // stale) or, for a new rule, its id again (refused as taken), over the first's success.
  const saving = useRef(false);
  const [busy, setBusy] = useState(false);
  const save = async (confirm = false) => {
    if (saving.current) return;
    saving.current = true;
    setBusy(true);
    try {
      await saveOnce(confirm);
    } finally {
      saving.current = false;
      setBusy(false);
    }
  };

  const saveOnce = async (confirm: boolean) => {
    setProblems(new Map());
    setFailure(null);
    setMassSend(null);
    setStale(false);
    const suffix = confirm ? "?confirm=true" : "";
    try {
      const body: Partial<Rule> = { ...toBody(current.current), version: base.current || 1 };
      if (rule && body.active === baseActive.current) delete body.active;
      const saved = rule
        ? await api.call<{ rule: Rule; warnings: Problem[] }>("PUT", `/api/rules/${encodeURIComponent(rule.id)}${suffix}`, body)
        : await api.call<{ rule: Rule; warnings: Problem[] }>("POST", `/api/rules${suffix}`, body);
      base.current = saved.rule.version;
      baseActive.current = saved.rule.active;
      setRule(saved.rule);
      // The switch shows the rule as saved: off, when a colleague switched it off meanwhile.
      current.current = { ...current.current, active: saved.rule.active };
      setDraft(current.current);
      dropDraft(ruleId);
      setKept(null);
      if (saved.warnings.length) setWarnings(saved.warnings);
      else onDone();
    } catch (error) {
      if (error instanceof ApiError && error.code === "mass_send") setMassSend(massSendWords(error));
      else if (error instanceof ApiError && error.code === "stale") setStale(true);
      else fail(error);
    }
  };

  const runPreview = async () => {
    try {
      setPreview(await api.call<Preview>("POST", "/api/rules/preview", toBody(current.current)));
      setProblems(new Map());
      setFailure(null);
    } catch (error) {
      fail(error);
    }
  };

  // A recipe that arrived with problems shows them beside its fields at once.
  useEffect(() => {
    if (arrival?.problems.length) fail(new ApiError(422, "invalid", "", arrival.problems));
    // Once, when the recipe arrives: later edits and saves report their own problems.
  }, [arrival]);

  const elsewhere = [...problems.entries()]
    .filter(([field]) => !/^(id|name|trigger|exit|goal|conditions\.(scores|tags)|steps\.\d+)(\.|$)/.test(field))
    .flatMap(([, found]) => found);
  return (
    <Stack component="section" className="editor" gap="md" key={generation}>
      <Title order={2}>{rule ? t("editor.titleEdit", { name: rule.name }) : t("editor.titleNew")}</Title>
      {kept && (
        <Alert variant="light" color="blue" data-testid="draft">
          <Text size="sm">
            {t("editor.draft.kept", { at: t("time.inZone", { time: format.dateTime(kept.at, zone), zone }) })}
          </Text>
          {rule && kept.base !== rule.version && (
            <Text size="sm">{t("editor.draft.older", { base: kept.base, version: rule.version })}</Text>
          )}
          <Button size="xs" variant="default" mt="xs" onClick={discard}>
            {t("editor.draft.discard")}
          </Button>
        </Alert>
      )}
      {problems.size > 0 && (
        <Alert color="red" variant="light" role="alert">
          <Text size="sm">{t("editor.problems", { count: problems.size })}</Text>
          {elsewhere.map((words) => (
            <Text size="sm" key={words}>
              {words}
            </Text>
          ))}
        </Alert>
      )}
      {arrival && (
        <Alert variant="light" color="blue" role="status" data-testid="arrival">
          {t("recipes.landed", { name: arrival.recipe })}
          {(arrival.missing ?? []).map((m) => (
            <Text size="sm" key={m.step} data-testid="missing-template">
              {t(m.status ? "recipes.notApproved" : "recipes.missing", {
                step: m.step + 1,
                name: m.name,
                language: m.language,
                params: m.params,
                status: m.status ?? "",
              })}
            </Text>
          ))}
        </Alert>
      )}
      {restoredFrom !== null && (
        <Alert variant="light" color="blue" role="status" data-testid="restored">
          {t("history.restored", { version: restoredFrom })}
        </Alert>
      )}
      {failure !== null && <ErrorState error={failure} />}
      {stale && (
        <Alert color="red" variant="light" role="alert" data-testid="rule-stale">
          <Text size="sm">{t("editor.stale")}</Text>
        </Alert>
      )}
      {warnings.length > 0 && (
        <Alert color="yellow" variant="light" role="status">
          {t("editor.savedWithWarnings")}
        </Alert>
      )}
      <div className="builder">
        <Canvas rule={draft} open={open} active={{ on: draft.active, change: (on) => update((r) => (r.active = on)) }} />
        <Stack gap="md">
          <div className="fields">
            <TextInput
              label={t("editor.id")}
              description={rule ? undefined : t("editor.idHint")}
              value={draft.id}
              disabled={!!rule}
              onChange={(e) => {
                const id = e.currentTarget.value;
                update((r) => (r.id = id));
              }}
              error={problemsAt(problems, "id")}
            />
            <TextInput
              label={t("editor.name")}
              value={draft.name}
              onChange={(e) => {
                const name = e.currentTarget.value;
                update((r) => (r.name = name));
              }}
              error={problemsAt(problems, "name")}
            />
          </div>
          <div data-part="trigger">
            <TriggerFields trigger={draft.trigger} problems={problems} change={(trigger) => update((r) => (r.trigger = trigger))} />
          </div>
          <WhoFields
            conditions={(draft.conditions ?? {}) as Conditions}
            problems={problems}
            change={(conditions) => update((r) => (r.conditions = conditions))}
          />
          <Checkbox
            label={t("editor.sendAnytime")}
            checked={draft.send_anytime}
            onChange={(e) => {
              const on = e.currentTarget.checked;
              update((r) => (r.send_anytime = on));
            }}
          />
          <Group gap="md" align="flex-end" wrap="wrap" data-part="exit">
            <Checkbox
              label={t("editor.exitOnReply")}
              checked={draft.exit?.on_reply ?? true}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                update((r) => (r.exit = { ...(r.exit ?? { stages: [] }), on_reply: on }));
              }}
            />
            <ListInput
              label={t("editor.exitStages")}
              value={draft.exit?.stages ?? []}
              change={(stages) => update((r) => (r.exit = { ...(r.exit ?? { on_reply: true }), stages }))}
              error={problemsAt(problems, "exit", true)}
            />
          </Group>
          <div data-part="goal">
            <ListInput
              label={t("editor.goalStages")}
              description={t("editor.goalHint")}
              value={draft.goal?.stages ?? []}
              change={(stages) => update((r) => (r.goal = { ...(r.goal ?? {}), stages }))}
              error={problemsAt(problems, "goal", true)}
            />
          </div>
          <Title order={2} size="h3">
            {t("editor.steps")}
          </Title>
          {steps.map((step, index) => (
            <StepCard
              key={`${layout}-${index}`}
              api={api}
              ruleId={ruleId}
              saved={kept === null}
              step={step}
              index={index}
              count={steps.length}
              problems={problems}
              warnings={warnings.filter((w) => w.field === `steps.${index}` || w.field.startsWith(`steps.${index}.`))}
              catalogue={catalogue}
              change={(edit) => update((r) => edit((r.steps as Step[])[index]))}
              replace={(kind) => {
                update((r) => ((r.steps as Step[])[index] = newStep(kind, steps.length)));
                setLayout((l) => l + 1);
              }}
              move={(to) => moveStep(index, to)}
              duplicate={() => setSteps(inserted(steps, index + 1, structuredClone(step)))}
              remove={() => setSteps(removed(steps, index))}
            />
          ))}
          <Group gap="xs" wrap="wrap" role="group" aria-label={t("editor.addStep")}>
            {KINDS.map((kind) => (
              <Button key={kind} variant="light" size="sm" onClick={() => setSteps(inserted(steps, steps.length, newStep(kind, steps.length + 1)))}>
                {t(`editor.add.${kind}`)}
              </Button>
            ))}
          </Group>
          <Group gap="sm" wrap="wrap">
            <Button variant="default" onClick={runPreview}>
              {t("editor.preview")}
            </Button>
            <Button onClick={() => save()} loading={busy}>
              {t("editor.save")}
            </Button>
            <Button variant="subtle" onClick={onDone}>
              {warnings.length ? t("editor.done") : t("editor.cancel")}
            </Button>
          </Group>
          {massSend && (
            <Alert color="yellow" role="alertdialog" aria-label={t("rules.confirm")}>
              <Text size="sm">
                {massSend} {t("editor.checkPreview")}
              </Text>
              <Group gap="xs" mt="xs">
                <Button size="xs" onClick={() => save(true)} loading={busy}>
                  {t("editor.massSendConfirm")}
                </Button>
                <Button size="xs" variant="default" onClick={() => setMassSend(null)}>
                  {t("editor.cancel")}
                </Button>
              </Group>
            </Alert>
          )}
        </Stack>
      </div>
      {preview && <PreviewPanel preview={preview} />}
      {rule && (
        <DryRunPanel
          api={api}
          ruleId={rule.id}
          dateField={rule.trigger.kind === "date" ? rule.trigger.attribute : undefined}
        />
      )}
      {rule && <History api={api} rule={rule} restore={restore} />}
    </Stack>
  );
}

/** `/rules/new` and `/rules/:ruleId`: the editor on a fresh copy of the saved rule, or the draft. */
export function RuleEditorPage() {
  const { api } = useSession();
  const t = useT();
  const { ruleId } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const queries = useQueryClient();
  const rule = useQuery({
    queryKey: ["rule", ruleId],
    queryFn: () => api.get<Rule>(`/api/rules/${encodeURIComponent(ruleId ?? "")}`),
    enabled: ruleId !== undefined,
  });
  const done = () => {
    queries.invalidateQueries({ queryKey: ["rules"] });
    queries.invalidateQueries({ queryKey: ["rule"] });
    navigate("/rules");
  };
  const back = (
    <Group>
      <Button variant="subtle" size="xs" onClick={() => navigate("/rules")}>
        {t("rules.back")}
      </Button>
    </Group>
  );
  if (ruleId === undefined) {
    return (
      <>
        {back}
        <Recipes key={`recipes-${location.key}`} api={api} />
        <RuleEditor
          key={location.key}
          api={api}
          rule={null}
          restored={loadDraft(null)}
          arrival={(location.state as Arrival | null) ?? null}
          onDone={done}
        />
      </>
    );
  }
  if (rule.isError) {
    return (
      <>
        {back}
        <ErrorState error={rule.error} retry={() => rule.refetch()} />
      </>
    );
  }
  // Edit only what the server holds now, never a copy the cache kept from earlier.
  if (!rule.data || !rule.isFetchedAfterMount || rule.isFetching) return <Loading />;
  return (
    <>
      {back}
      <RuleEditor
        key={`${rule.data.id}-${rule.data.version}`}
        api={api}
        rule={rule.data}
        restored={loadDraft(rule.data.id)}
        onDone={done}
      />
    </>
  );
}
