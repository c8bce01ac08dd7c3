// Unsaved edits kept in this browser, per rule, so a reload or a closed tab loses nothing.
import type { Rule } from "../../api";

export interface Draft {
  rule: Rule;
  /** The saved version the draft started from (0 for a new rule). */
  base: number;
  at: string;
}

const key = (ruleId: string | null) => `followup.draft.${ruleId ?? "new"}`;

export function loadDraft(ruleId: string | null): Draft | null {
  const stored = localStorage.getItem(key(ruleId));
  if (!stored) return null;
  try {
    return JSON.parse(stored) as Draft;
  } catch {
    localStorage.removeItem(key(ruleId));
    return null;
  }
}

export function keepDraft(ruleId: string | null, rule: Rule, base: number): void {
  const draft: Draft = { rule, base, at: new Date().toISOString() };
  localStorage.setItem(key(ruleId), JSON.stringify(draft));
}

export function dropDraft(ruleId: string | null): void {
  localStorage.removeItem(key(ruleId));
}
