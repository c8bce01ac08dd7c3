// Start from a ready-made journey: pick a recipe, read what it does (and see it drawn), then
// install it switched off and carry on in the builder. The API first says what installing
// would save (the synced catalogue's approved templates picked for the recipe's placeholders)
// and what stands in the way; a recipe the workspace cannot take as it is (a template with
// no approved copy) opens in the builder as an unsaved draft, saying which template is
// missing and marking what to change beside its fields, without a refused request.
import { Button, Group, NativeSelect, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { type Api, ApiError, type Problem, type Rule } from "../../api";
import { known, useT } from "../../i18n/locale";
import { ErrorState, Loading } from "../../problems";
import { Canvas } from "./Canvas";
import { keepDraft } from "./draft";
import { problemsAt, useProblemReader } from "./problems";

/** What the builder is told when it opens a recipe that could not be installed as it is. */
export interface Arrival {
  recipe: string;
  problems: Problem[];
  missing: MissingTemplate[];
}

/** A template a recipe's step needs that the synced catalogue has no approved copy of. */
export interface MissingTemplate {
  step: number;
  name: string;
  language: string;
  params: number;
  /** The status of the copy the catalogue holds in that language; null when it holds none. */
  status: string | null;
}

/** What installing a recipe would save and what stands in the way; nothing saved. */
interface Checked {
  rule: Rule | null;
  problems: Problem[];
  missing: MissingTemplate[];
}

interface Recipe {
  id: string;
  name: string;
  description: string;
  rule: Rule;
  stages: string[];
}

export function Recipes({ api }: { api: Api }) {
  const t = useT();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const recipes = useQuery({ queryKey: ["recipes"], queryFn: () => api.get<{ recipes: Recipe[] }>("/api/recipes") });
  const [chosenId, setChosenId] = useState("");
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [failure, setFailure] = useState<unknown>(null);
  const [taken, setTaken] = useState<string | null>(null);
  // The API's word on the id, beside its field: one a deleted journey had is refused (409).
  const [idProblem, setIdProblem] = useState<string | undefined>(undefined);
  const readProblems = useProblemReader();
  const chosen = recipes.data?.recipes.find((r) => r.id === chosenId);
  const nameOf = (r: Recipe) => known(`recipe.${r.id}.name`, t, r.name);
  const choose = (recipeId: string) => {
    const found = recipes.data?.recipes.find((r) => r.id === recipeId);
    setChosenId(recipeId);
    setId(found?.id ?? "");
    setName(found ? nameOf(found) : "");
    setFailure(null);
  };
  const install = async () => {
    if (!chosen) return;
    setFailure(null);
    setTaken(null);
    setIdProblem(undefined);
    const body = { id: id.trim() || chosen.id, name: name.trim() || nameOf(chosen) };
    try {
      // An id in use is said before asking the server, which would only refuse it.
      const rules = await api.get<{ rules: Rule[] }>("/api/rules");
      if (rules.rules.some((r) => r.id === body.id)) {
        setTaken(body.id);
        return;
      }
      const path = `/api/recipes/${encodeURIComponent(chosen.id)}`;
      const checked = await api.call<Checked>("POST", `${path}/check`, body);
      if (checked.rule && (checked.problems.length || checked.missing.length)) {
        keepDraft(null, checked.rule, 0);
        const arrival: Arrival = { recipe: nameOf(chosen), problems: checked.problems, missing: checked.missing };
        navigate("/rules/new", { state: arrival });
        return;
      }
      if (checked.problems.length) {
        setFailure(new ApiError(422, "invalid", "", checked.problems));
        return;
      }
      await api.call("POST", `${path}/install`, body);
      await queries.invalidateQueries({ queryKey: ["rules"] });
      navigate(`/rules/${encodeURIComponent(body.id)}`);
    } catch (error) {
      const onId = problemsAt(readProblems(error, () => t("recipes.id")), "id");
      if (onId) setIdProblem(onId);
      else if (error instanceof ApiError && error.status === 409) setTaken(body.id);
      else setFailure(error);
    }
  };
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="recipes-title" data-testid="recipes">
      <Title order={2} size="h4" id="recipes-title">
        {t("recipes.title")}
      </Title>
      <Text size="sm" c="dimmed">
        {t("recipes.hint")}
      </Text>
      {recipes.isError && <ErrorState error={recipes.error} retry={() => recipes.refetch()} />}
      {recipes.isPending && <Loading />}
      {recipes.data && (
        <Stack gap="sm" mt="xs">
          <NativeSelect
            label={t("recipes.pick")}
            value={chosenId}
            onChange={(e) => choose(e.currentTarget.value)}
            data={[{ value: "", label: t("recipes.none") }, ...recipes.data.recipes.map((r) => ({ value: r.id, label: nameOf(r) }))]}
          />
          {chosen && (
            <Stack gap="sm" data-testid="recipe">
              <Text size="sm">{known(`recipe.${chosen.id}.description`, t, chosen.description)}</Text>
              {chosen.stages.length > 0 && <Text size="sm">{t("recipes.stages", { stages: chosen.stages.join(", ") })}</Text>}
              <Canvas rule={chosen.rule} />
              <Group gap="sm" align="flex-end" wrap="wrap">
                <TextInput label={t("recipes.id")} value={id} error={idProblem} onChange={(e) => setId(e.currentTarget.value)} />
                <TextInput label={t("recipes.name")} value={name} onChange={(e) => setName(e.currentTarget.value)} />
              </Group>
              {taken !== null && (
                <Text size="sm" c="red.9" role="alert">
                  {t("recipes.taken", { id: taken })}
                </Text>
              )}
              {failure !== null && <ErrorState error={failure} />}
              <Group>
                <Button onClick={install}>{t("recipes.install")}</Button>
              </Group>
            </Stack>
          )}
        </Stack>
      )}
    </Paper>
  );
}
