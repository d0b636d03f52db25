// Small data hooks over api/client: load a path, reload on demand, poll while wanted.
import { useCallback, useEffect, useRef, useState } from "react";
import { get } from "../api/client";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * GET `path` (null: nothing to load). `pollMs(data)` > 0 loads again after that long, so a
 * page can poll fast while something is still becoming Ready and slowly afterwards.
 */
export function useApi<T>(path: string | null, pollMs?: (data: T | undefined) => number): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const pollRef = useRef(pollMs);
  pollRef.current = pollMs;

  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setLoading(true);
    get<T>(path, abort.signal)
      .then((value) => {
        setData(value);
        setError(undefined);
        const ms = pollRef.current?.(value) ?? 0;
        if (ms > 0) timer = setTimeout(() => setTick((t) => t + 1), ms);
      })
      .catch((err: unknown) => {
        if (abort.signal.aborted) return;
        setError(err);
        const ms = pollRef.current?.(undefined) ?? 0;
        if (ms > 0) timer = setTimeout(() => setTick((t) => t + 1), Math.max(ms, 3000));
      })
      .finally(() => {
        if (!abort.signal.aborted) setLoading(false);
      });
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [path, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** The query string of an optional namespace filter. */
export const nsQuery = (namespace: string | undefined): string =>
  namespace ? `?namespace=${encodeURIComponent(namespace)}` : "";

/** A form's save: `saving` while `work` runs, and the error it threw (for placeErrors). */
export function useSave(): { saving: boolean; error: unknown; run: (work: () => Promise<void>) => Promise<void> } {
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = async (work: () => Promise<void>) => {
    setSaving(true);
    setError(undefined);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };
  return { saving, error, run };
}
