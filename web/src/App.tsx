import { Alert, AppShell, Burger, Button, Group, NativeSelect, NavLink, Stack, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useQueryClient } from "@tanstack/react-query";
import { Suspense, lazy, useEffect, useMemo, useState } from "react";
import { HashRouter, Link, Navigate, Route, Routes, useMatch } from "react-router";
import { Api, type Role, type Session } from "./api";
import {
  SignInUnfinished,
  loadConfig,
  savedSession,
  signInLocally,
  signInWithCognito,
  signOut,
  tokenSource,
} from "./auth";
import type { MessageId } from "./i18n/en";
import { LOCALES, type LocaleCode, useLocale, useT } from "./i18n/locale";
import { PauseNotice } from "./PauseNotice";
import { QueuePage } from "./pages/Queue";
import { Empty, ErrorState, Loading } from "./problems";
import { SessionContext } from "./session";

// The queue opens first; every other page (the charts of Stats, the journey builder) is
// loaded the first time it is opened.
const AuditPage = lazy(() => import("./pages/Audit").then((module) => ({ default: module.AuditPage })));
const ContactPage = lazy(() => import("./pages/Contact").then((module) => ({ default: module.ContactPage })));
const ContactsPage = lazy(() => import("./pages/Contacts").then((module) => ({ default: module.ContactsPage })));
const RuleEditorPage = lazy(() =>
  import("./pages/RuleEditor").then((module) => ({ default: module.RuleEditorPage })),
);
const RulesPage = lazy(() => import("./pages/Rules").then((module) => ({ default: module.RulesPage })));
const SettingsPage = lazy(() => import("./pages/Settings").then((module) => ({ default: module.SettingsPage })));
const StatsPage = lazy(() => import("./pages/Stats").then((module) => ({ default: module.StatsPage })));
const TasksPage = lazy(() => import("./pages/Tasks").then((module) => ({ default: module.TasksPage })));

type Config = Awaited<ReturnType<typeof loadConfig>>;
const ROLES: Role[] = ["marketing", "counselor", "admin"];

function LanguagePicker() {
  const t = useT();
  const { locale, choose } = useLocale();
  return (
    <NativeSelect
      label={t("app.language")}
      size="xs"
      value={locale}
      onChange={(e) => choose(e.currentTarget.value as LocaleCode)}
      data={LOCALES.map((l) => ({ value: l.code, label: l.label }))}
    />
  );
}

function SignIn({
  config,
  onSession,
  failed,
}: {
  config: Config;
  onSession: (session: Session) => void;
  failed: unknown;
}) {
  const t = useT();
  const [problem, setProblem] = useState<unknown>(failed);
  const pick = (role: Role) => signInLocally(config, role).then(onSession, setProblem);
  return (
    <Stack component="main" maw={360} mx="auto" p="lg">
      <Title order={1}>{t("app.name")}</Title>
      {config.mode === "cognito" ? (
        <Button onClick={() => signInWithCognito(config).catch(setProblem)}>{t("app.signIn")}</Button>
      ) : (
        <>
          <Text>{t("app.signInLocal")}</Text>
          {ROLES.map((role) => (
            <Button key={role} variant="default" onClick={() => pick(role)}>
              {t("app.signInAs", { role: t(`role.${role}`) })}
            </Button>
          ))}
        </>
      )}
      {problem instanceof SignInUnfinished ? (
        <Alert color="red" variant="light" role="alert">
          {t("app.signInUnfinished")}
        </Alert>
      ) : (
        problem !== null && <ErrorState error={problem} />
      )}
      <LanguagePicker />
    </Stack>
  );
}

function Tab({ to, label, onGo }: { to: string; label: MessageId; onGo: () => void }) {
  const t = useT();
  const here = useMatch({ path: to, end: false });
  return (
    <NavLink
      component={Link}
      to={to}
      label={t(label)}
      active={!!here}
      variant="filled"
      aria-current={here ? "page" : undefined}
      onClick={onGo}
    />
  );
}

function Shell({ config, session, onSignOut }: { config: Config; session: Session; onSignOut: () => void }) {
  const t = useT();
  const [opened, { toggle, close }] = useDisclosure(false);
  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t("app.menu")} />
            <Title order={1} size="h4">
              {t("app.name")}
            </Title>
          </Group>
          <Text size="sm" c="dimmed">
            {t(`role.${session.role}`)}
          </Text>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label={t("nav.main")}>
        <AppShell.Section grow>
          <Tab to="/queue" label="nav.queue" onGo={close} />
          <Tab to="/rules" label="nav.rules" onGo={close} />
          <Tab to="/stats" label="nav.stats" onGo={close} />
          <Tab to="/contacts" label="nav.contacts" onGo={close} />
          <Tab to="/tasks" label="nav.tasks" onGo={close} />
          <Tab to="/settings" label="settings.nav" onGo={close} />
          {session.role === "admin" && <Tab to="/audit" label="nav.audit" onGo={close} />}
          {config.mode === "local" && <NavLink href="/sandbox" label={t("nav.sandbox")} />}
        </AppShell.Section>
        <AppShell.Section>
          <Stack gap="xs">
            <LanguagePicker />
            <Button variant="default" size="xs" onClick={onSignOut}>
              {t("app.signOut")}
            </Button>
          </Stack>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <PauseNotice />
        <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/" element={<Navigate to="/queue" replace />} />
          <Route path="/queue" element={<QueuePage />} />
          <Route path="/rules" element={<RulesPage />} />
          <Route path="/rules/new" element={<RuleEditorPage />} />
          <Route path="/rules/:ruleId" element={<RuleEditorPage />} />
          <Route path="/stats" element={<StatsPage />} />
          <Route path="/contacts" element={<ContactsPage />} />
          <Route path="/contacts/:contactId" element={<ContactPage />} />
          <Route path="/tasks" element={<TasksPage />} />
          <Route path="/settings" element={<SettingsPage />} />
          <Route path="/audit" element={<AuditPage />} />
          <Route path="*" element={<Empty>{t("app.notFound")}</Empty>} />
        </Routes>
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

export function App() {
  const [config, setConfig] = useState<Config | null>(null);
  const [session, setSession] = useState<Session | null>(null);
  const [failed, setFailed] = useState<unknown>(null);
  const queries = useQueryClient();

  useEffect(() => {
    loadConfig().then((loaded) =>
      savedSession(loaded)
        .then(setSession, setFailed)
        .finally(() => setConfig(loaded)),
    );
  }, []);

  const api = useMemo(
    () => (session && config ? new Api(session, tokenSource(config, session)) : null),
    [session, config],
  );

  if (!config) return <Loading />;
  if (!session || !api) return <SignIn config={config} onSession={setSession} failed={failed} />;
  return (
    <SessionContext.Provider value={{ session, api }}>
      <HashRouter>
        <Shell
          config={config}
          session={session}
          onSignOut={() => {
            signOut(config);
            queries.clear();
            setSession(null);
          }}
        />
      </HashRouter>
    </SessionContext.Provider>
  );
}
