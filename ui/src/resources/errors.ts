// Puts the API's field errors (422: [{field, message}], kubectl paths) next to the form
// control that edits that field; what no control edits goes to a banner with its path.
import { ApiError, type FieldError } from "../api/client";

/** A rule: an error whose path matches `pattern` belongs to the control it names. */
export type ErrorRule = [RegExp, string | ((match: RegExpMatchArray) => string)];

export interface PlacedErrors {
  /** Messages for one control key (e.g. "model", "tool:2"). */
  of(control: string): string | undefined;
  /** Errors that no control shows, with their paths (shown in the banner). */
  unplaced: FieldError[];
  /** A non-field failure (409, 5xx, network) to show in the banner. */
  general?: string;
}

export const NO_ERRORS: PlacedErrors = { of: () => undefined, unplaced: [] };

/**
 * `shown(control)` says whether the form renders that control now (a rule may name one
 * that is hidden, e.g. the tool entry of a malformed item); errors of hidden controls go
 * to the banner so that none is lost.
 */
export function placeErrors(error: unknown, rules: ErrorRule[], shown: (control: string) => boolean = () => true): PlacedErrors {
  if (!error) return NO_ERRORS;
  if (!(error instanceof ApiError)) return { ...NO_ERRORS, general: String((error as Error).message ?? error) };
  const byControl = new Map<string, string[]>();
  const unplaced: FieldError[] = [];
  for (const e of error.errors) {
    const path = e.field ?? "";
    let control: string | undefined;
    for (const [pattern, target] of rules) {
      const m = path.match(pattern);
      if (m) {
        control = typeof target === "string" ? target : target(m);
        break;
      }
    }
    if (control && !shown(control)) control = undefined;
    if (control) byControl.set(control, [...(byControl.get(control) ?? []), e.message]);
    else unplaced.push(e);
  }
  const fieldless = error.status !== 422 && error.errors.every((e) => !e.field || e.field === "metadata.resourceVersion");
  return {
    of: (control) => byControl.get(control)?.join("; "),
    unplaced: fieldless ? [] : unplaced,
    general: fieldless ? error.message : undefined,
  };
}

/** `prefix` or anything below it (`prefix.x`, `prefix[0]`). */
export const under = (prefix: string): RegExp =>
  new RegExp(`^${prefix.replace(/[.[\]]/g, (c) => `\\${c}`)}($|[.[])`);
