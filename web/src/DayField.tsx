// A calendar day typed or picked in the language the reader chose, in its day order, with a
// calendar in that language; the value stays the API's YYYY-MM-DD, "" when cleared.
import { DateInput, type DateInputProps } from "@mantine/dates";
import dayjs from "dayjs";
import customParseFormat from "dayjs/plugin/customParseFormat";
import { useLocale, useT } from "./i18n/locale";

dayjs.extend(customParseFormat);

type Props = Omit<DateInputProps, "label" | "value" | "onChange" | "valueFormat" | "dateParser"> & {
  label: string;
  value: string;
  onChange: (day: string) => void;
};

export function DayField({ label, value, onChange, ...rest }: Props) {
  const t = useT();
  const { dates } = useLocale();
  const order = dates.formats.L ?? "DD/MM/YYYY";
  // Only a whole day counts, with or without leading zeros: a half-typed one changes nothing.
  const orders = [order, order.replace("DD", "D").replace("MM", "M")];
  const parse = (typed: string) => {
    const day = dayjs(typed.trim(), orders, dates.name, true);
    return day.isValid() ? day.format("YYYY-MM-DD") : null;
  };
  return (
    <DateInput
      {...rest}
      label={label}
      value={value || null}
      onChange={(day) => onChange(day ?? "")}
      valueFormat={order}
      dateParser={parse}
      getDayAriaLabel={(day) => dayjs(day).locale(dates.name).format(dates.formats.LL ?? "D MMMM YYYY")}
      placeholder={t("dates.placeholder")}
      clearable
      clearButtonProps={{ "aria-label": t("dates.clear", { field: label }) }}
      ariaLabels={{
        previousMonth: t("dates.previousMonth"),
        nextMonth: t("dates.nextMonth"),
        previousYear: t("dates.previousYear"),
        nextYear: t("dates.nextYear"),
        previousDecade: t("dates.previousDecade"),
        nextDecade: t("dates.nextDecade"),
      }}
    />
  );
}
