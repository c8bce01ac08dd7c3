// Start from a ready-made journey: pick a recipe, read what it does (and see it drawn), then
// install it switched off and carry on in the builder.
import { Button, Group, NativeSelect, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import type { Api, Rule } from "../../api";
import { useT } from "../../i18n/locale";
import { ErrorState, Loading } from "../../problems";
import { Canvas } from "./Canvas";
import { known } from "./words";

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
    try {
      const body = { id: id.trim() || chosen.id, name: name.trim() || chosen.name };
      await api.call("POST", `/api/recipes/${encodeURIComponent(chosen.id)}/install`, body);
      await queries.invalidateQueries({ queryKey: ["rules"] });
      navigate(`/rules/${encodeURIComponent(body.id)}`);
    } catch (error) {
      setFailure(error);
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
                <TextInput label={t("recipes.id")} value={id} onChange={(e) => setId(e.currentTarget.value)} />
                <TextInput label={t("recipes.name")} value={name} onChange={(e) => setName(e.currentTarget.value)} />
              </Group>
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
