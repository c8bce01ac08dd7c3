// CSV of a table as it is shown: one header row, quoted where a cell needs it, and no
// text a spreadsheet would run as a formula.

export type Cell = string | number | null;

/** Text that Excel, Sheets or LibreOffice would read as a formula starts with one of these. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell that would start a formula gets a leading `'` (OWASP's CSV injection advice),
 * so the spreadsheet shows it as typed; numbers stay numbers, negative ones included. One
 * holding a `;` or a tab is quoted too: Excel set to Indonesian or Portuguese splits a CSV
 * on `;`, where "Promo;=cmd…" unquoted would start a cell with a formula. */
function quoted(cell: Cell): string {
  const raw = cell === null ? "" : String(cell);
  const text = typeof cell === "string" && FORMULA_START.test(raw) ? `'${raw}` : raw;
  return /[",;\t\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((row) => row.map(quoted).join(",")).join("\r\n");
}

/** Excel reads a CSV without it in the computer's old code page: "Conversões" as
 * "ConversÃµes". Sheets and LibreOffice take it as UTF-8 either way. */
const UTF8_BOM = "\uFEFF";

/** Hand `csv` to the browser as a download named `name`, marked UTF-8 for Excel. */
export function download(name: string, csv: string): void {
  const blob = new Blob([UTF8_BOM, csv], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
