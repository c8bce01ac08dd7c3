// Who the journey is for: the lead scores it messages and the tags a lead must have.
import { Checkbox, Fieldset, Group, Text } from "@mantine/core";
import { useT } from "../../i18n/locale";
import { ListInput } from "./fields";
import { SCORES } from "./model";
import { type Problems, problemsAt } from "./problems";
import type { Conditions } from "./words";

export function WhoFields({
  conditions,
  problems,
  change,
}: {
  conditions: Conditions;
  problems: Problems;
  change: (conditions: Conditions) => void;
}) {
  const t = useT();
  const scores = conditions.scores ?? [];
  const scoreProblem = problemsAt(problems, "conditions.scores", true);
  return (
    <Fieldset legend={t("canvas.who")} data-part="conditions">
      <Group gap="md" role="group" aria-label={t("editor.who.scores")}>
        {SCORES.map((score) => (
          <Checkbox
            key={score}
            label={t("editor.who.score", { score: t(`editor.score.${score}`) })}
            checked={scores.includes(score)}
            onChange={(e) => {
              const on = e.currentTarget.checked;
              change({ ...conditions, scores: SCORES.filter((s) => (s === score ? on : scores.includes(s))) });
            }}
          />
        ))}
      </Group>
      <Text size="xs" c="dimmed" mt={4}>
        {t("editor.who.scoresHint")}
      </Text>
      {scoreProblem && (
        <Text size="sm" c="red.9">
          {scoreProblem}
        </Text>
      )}
      <ListInput
        label={t("editor.who.tags")}
        value={conditions.tags ?? []}
        change={(tags) => change({ ...conditions, tags })}
        error={problemsAt(problems, "conditions.tags", true)}
      />
    </Fieldset>
  );
}
