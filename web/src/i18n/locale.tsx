// The language the app speaks: English, Bahasa Indonesia or Português (Brasil), kept across visits.
import { type ReactNode, createContext, useContext, useEffect, useState } from "react";
import { IntlProvider, useIntl } from "react-intl";
import { type Catalogue, type MessageId, en } from "./en";
import { id } from "./id";
import { ptBR } from "./pt-BR";

export const LOCALES = [
  { code: "en", label: "English", format: "en-GB", messages: en as Catalogue },
  { code: "id", label: "Bahasa Indonesia", format: "id-ID", messages: id },
  { code: "pt-BR", label: "Português (Brasil)", format: "pt-BR", messages: ptBR },
] as const;

export type LocaleCode = (typeof LOCALES)[number]["code"];
const KEY = "followup.locale";

function saved(): LocaleCode {
  const stored = localStorage.getItem(KEY);
  const known = LOCALES.find((l) => l.code === stored);
  if (known) return known.code;
  const spoken = navigator.language.toLowerCase();
  if (spoken.startsWith("id")) return "id";
  if (spoken.startsWith("pt")) return "pt-BR";
  return "en";
}

const Choice = createContext<{ locale: LocaleCode; choose: (code: LocaleCode) => void }>({
  locale: "en",
  choose: () => undefined,
});

export function LocaleProvider({ children }: { children: ReactNode }) {
  const [locale, setLocale] = useState<LocaleCode>(saved);
  const chosen = LOCALES.find((l) => l.code === locale) ?? LOCALES[0];
  useEffect(() => {
    document.documentElement.lang = chosen.code;
  }, [chosen]);
  const choose = (code: LocaleCode) => {
    localStorage.setItem(KEY, code);
    setLocale(code);
  };
  return (
    <Choice.Provider value={{ locale, choose }}>
      <IntlProvider locale={chosen.format} messages={chosen.messages} defaultLocale="en-GB">
        {children}
      </IntlProvider>
    </Choice.Provider>
  );
}

export const useLocale = () => useContext(Choice);

type Values = Record<string, string | number | null | undefined>;

/** `t("queue.title")`: a message of the current catalogue, by its typed id. */
export function useT(): (id: MessageId, values?: Values) => string {
  const intl = useIntl();
  return (messageId, values) => intl.formatMessage({ id: messageId }, values as Record<string, string | number>);
}
