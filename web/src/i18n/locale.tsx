// The language the app speaks: English, Bahasa Indonesia or Português (Brasil), kept across visits.
import { type DayOfWeek, DatesProvider } from "@mantine/dates";
import enGB from "dayjs/locale/en-gb";
import idDates from "dayjs/locale/id";
import ptBRDates from "dayjs/locale/pt-br";
import { type ReactNode, createContext, useContext, useEffect, useState } from "react";
import { IntlProvider, useIntl } from "react-intl";
import { type Catalogue, type MessageId, en } from "./en";
import { id } from "./id";
import { ptBR } from "./pt-BR";

/** `dates`: the calendar's language, first weekday and day order (`formats.L`, day first in all three). */
export const LOCALES = [
  { code: "en", label: "English", format: "en-GB", messages: en as Catalogue, dates: enGB },
  { code: "id", label: "Bahasa Indonesia", format: "id-ID", messages: id, dates: idDates },
  { code: "pt-BR", label: "Português (Brasil)", format: "pt-BR", messages: ptBR, dates: ptBRDates },
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

type Choosing = { locale: LocaleCode; dates: ILocale; choose: (code: LocaleCode) => void };
const Choice = createContext<Choosing>({ locale: "en", dates: enGB, choose: () => undefined });

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
    <Choice.Provider value={{ locale, dates: chosen.dates, choose }}>
      <IntlProvider locale={chosen.format} messages={chosen.messages} defaultLocale="en-GB">
        <DatesProvider
          settings={{ locale: chosen.dates.name, firstDayOfWeek: (chosen.dates.weekStart ?? 0) as DayOfWeek }}
        >
          {children}
        </DatesProvider>
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

/** The message `key` names when the catalogues have it (every catalogue has the same keys),
 * else `otherwise`: codes from the server (units, kinds, statuses, recipes) it has no words for. */
export function known(key: string, t: ReturnType<typeof useT>, otherwise: string): string {
  return key in en ? t(key as MessageId) : otherwise;
}
