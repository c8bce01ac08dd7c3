import { useEffect, useMemo, useState } from "react";
import { Api, type Role, type Session } from "./api";
import { loadConfig, savedSession, signInLocally, signInWithCognito, signOut } from "./auth";
import { ContactPage } from "./pages/Contact";
import { QueuePage } from "./pages/Queue";
import { RulesPage } from "./pages/Rules";
import { StatsPage } from "./pages/Stats";

type Config = Awaited<ReturnType<typeof loadConfig>>;

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash || "#/queue");
  useEffect(() => {
    const update = () => setHash(window.location.hash || "#/queue");
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return hash;
}

export function App() {
  const [config, setConfig] = useState<Config | null>(null);
  const [session, setSession] = useState<Session | null>(null);
  const [problem, setProblem] = useState("");
  const hash = useHash();

  useEffect(() => {
    loadConfig().then((loaded) => {
      setConfig(loaded);
      setSession(savedSession(loaded));
    });
  }, []);

  const api = useMemo(() => (session ? new Api(session) : null), [session]);

  if (!config) return <p className="loading">Loading…</p>;
  if (!session || !api) {
    const pick = (role: Role) =>
      signInLocally(config, role).then(setSession, (error: Error) => setProblem(error.message));
    return (
      <main className="sign-in">
        <h1>Follow-ups</h1>
        {config.mode === "cognito" ? (
          <button onClick={() => signInWithCognito(config)}>Sign in</button>
        ) : (
          <>
            <p>Local sign-in: pick a role.</p>
            {(["marketing", "counselor", "admin"] as Role[]).map((role) => (
              <button key={role} onClick={() => pick(role)}>
                Sign in as {role}
              </button>
            ))}
          </>
        )}
        {problem && <p role="alert">{problem}</p>}
      </main>
    );
  }

  const [, page, id] = hash.split("/");
  const tab = (name: string, label: string) => (
    <a href={`#/${name}`} aria-current={page === name ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header className="top">
        <strong>Follow-ups</strong>
        <nav>
          {tab("queue", "Queue")}
          {tab("rules", "Rules")}
          {tab("stats", "Stats")}
        </nav>
        <span className="who">
          {session.role}{" "}
          <button
            onClick={() => {
              signOut();
              setSession(null);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main>
        {page === "rules" && <RulesPage api={api} role={session.role} />}
        {page === "stats" && <StatsPage api={api} />}
        {page === "contacts" && id && <ContactPage api={api} contactId={decodeURIComponent(id)} />}
        {(page === "queue" || !["rules", "stats", "contacts"].includes(page)) && (
          <QueuePage api={api} session={session} />
        )}
      </main>
    </>
  );
}
