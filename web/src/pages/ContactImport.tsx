import { Alert, Button, FileInput, Group, Modal, Stack, Table, Text } from "@mantine/core";
import { useState } from "react";
import { ApiError } from "../api";
import { useT } from "../i18n/locale";
import { useMassImportWords } from "../massSend";
import { ErrorState } from "../problems";
import { useSession } from "../session";

interface Rejected {
  line: number;
  field: string;
  reason: string;
}

/** What one request of the import answers: the rows of its part, and the line to send the
 * file again from (null: done). */
interface ImportAnswer {
  created: number;
  updated: number;
  rejected: Rejected[];
  next_line: number | null;
}

interface Outcome {
  created: number;
  updated: number;
  rejected: Rejected[];
  done: boolean;
}

const NOTHING: Outcome = { created: 0, updated: 0, rejected: [], done: false };

/** JSON lines by their extension; anything else is read as CSV. */
function kindOf(file: File): string {
  return /\.(jsonl|ndjson)$/i.test(file.name) ? "application/x-ndjson" : "text/csv";
}

/** "Import contacts": a CSV or JSON lines file sent part by part (each request writes for
 * a while and names the line to go on from), what each row became, and the mass-send
 * confirmation when a running rule would message a crowd of them on one day: confirmed,
 * the rest of the file goes with it. A part that fails (the store busy, the network
 * gone) leaves a button to go on from it. */
export function ContactImport({ onImported }: { onImported: () => void }) {
  const { api } = useSession();
  const t = useT();
  const massImportWords = useMassImportWords();
  const [opened, setOpened] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [line, setLine] = useState<number | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [confirming, setConfirming] = useState<{ message: string; from: number; sofar: Outcome } | null>(null);
  /** Where a file stopped by a failure (the store busy, the network gone) goes on from. */
  const [stopped, setStopped] = useState<{ from: number; confirm: boolean; sofar: Outcome } | null>(null);
  const [problem, setProblem] = useState<unknown>(null);

  const run = async (from: number, confirm: boolean, sofar: Outcome) => {
    if (file === null) return;
    setBusy(true);
    setProblem(null);
    setConfirming(null);
    setStopped(null);
    let total = sofar;
    let next: number | null = from;
    try {
      const text = await file.text();
      while (next !== null) {
        setLine(next);
        const query = `from_line=${next}${confirm ? "&confirm=true" : ""}`;
        const answer: ImportAnswer = await api.send("POST", `/api/contacts/import?${query}`, text, kindOf(file));
        total = {
          created: total.created + answer.created,
          updated: total.updated + answer.updated,
          rejected: [...total.rejected, ...answer.rejected],
          done: answer.next_line === null,
        };
        setOutcome(total);
        next = answer.next_line;
      }
    } catch (error) {
      if (error instanceof ApiError && error.code === "mass_send" && next !== null) {
        setConfirming({ message: massImportWords(error), from: next, sofar: total });
      } else {
        // A refusal of the file (not UTF-8, too many rows) is not worth sending again.
        const passing = !(error instanceof ApiError) || error.status >= 500;
        if (passing && next !== null) setStopped({ from: next, confirm, sofar: total });
        setProblem(error);
      }
    } finally {
      setBusy(false);
      setLine(null);
      if (total.created + total.updated > 0) onImported();
    }
  };

  const close = () => {
    setOpened(false);
    setFile(null);
    setOutcome(null);
    setConfirming(null);
    setStopped(null);
    setProblem(null);
  };

  return (
    <>
      <Button variant="default" onClick={() => setOpened(true)}>
        {t("contacts.import.open")}
      </Button>
      <Modal opened={opened} onClose={close} title={t("contacts.import.title")} size="lg" closeButtonProps={{ "aria-label": t("contacts.import.close") }}>
        <Stack gap="sm">
          <FileInput
            label={t("contacts.import.file")}
            description={t("contacts.import.hint")}
            accept=".csv,.txt,.jsonl,.ndjson,text/csv,application/x-ndjson"
            value={file}
            onChange={(chosen) => {
              setFile(chosen);
              setOutcome(null);
              setConfirming(null);
              setStopped(null);
              setProblem(null);
            }}
            clearable
            clearButtonProps={{ "aria-label": t("contacts.import.clear") }}
          />
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={close}>
              {t("contacts.import.close")}
            </Button>
            {stopped ? (
              <Button loading={busy} onClick={() => run(stopped.from, stopped.confirm, stopped.sofar)}>
                {t("contacts.import.resume", { line: stopped.from })}
              </Button>
            ) : (
              <Button disabled={file === null || confirming !== null} loading={busy} onClick={() => run(1, false, NOTHING)}>
                {t("contacts.import.start")}
              </Button>
            )}
          </Group>
          {line !== null && (
            <Text size="sm" role="status">
              {t("contacts.import.progress", { line })}
            </Text>
          )}
          {confirming && (
            <Alert color="orange" role="alertdialog" aria-label={t("contacts.import.confirm")}>
              <Text size="sm">{confirming.message}</Text>
              <Group gap="xs" mt="xs">
                <Button size="xs" onClick={() => run(confirming.from, true, confirming.sofar)}>
                  {t("contacts.import.anyway")}
                </Button>
                <Button size="xs" variant="default" onClick={() => setConfirming(null)}>
                  {t("contacts.import.cancel")}
                </Button>
              </Group>
            </Alert>
          )}
          {problem !== null && <ErrorState error={problem} />}
          {outcome && (outcome.done || outcome.created + outcome.updated + outcome.rejected.length > 0) && (
            <Alert color={outcome.rejected.length ? "orange" : "green"} variant="light" data-testid="import-outcome">
              <Text size="sm">{t("contacts.import.done", { created: outcome.created, updated: outcome.updated })}</Text>
              {outcome.rejected.length > 0 && (
                <>
                  <Text size="sm">{t("contacts.import.rejected", { count: outcome.rejected.length })}</Text>
                  <Table verticalSpacing={4} data-testid="import-rejected">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>{t("contacts.import.line")}</Table.Th>
                        <Table.Th>{t("contacts.import.field")}</Table.Th>
                        <Table.Th>{t("contacts.import.reason")}</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {outcome.rejected.map((r) => (
                        <Table.Tr key={`${r.line}-${r.field}`}>
                          <Table.Td>{r.line}</Table.Td>
                          <Table.Td style={{ whiteSpace: "nowrap" }}>{r.field}</Table.Td>
                          <Table.Td>{r.reason}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </>
              )}
            </Alert>
          )}
        </Stack>
      </Modal>
    </>
  );
}
