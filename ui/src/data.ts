/** Loading what a page shows: one request per key, cancelled when the page moves on. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { get, SignInRequired } from './api.js';

export interface Loaded<T> {
  data: T | undefined;
  etag: string | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (null: nothing yet) and keeps the answer; `reload` asks again. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<Omit<Loaded<T>, 'reload'>>({
    data: undefined,
    etag: undefined,
    error: undefined,
    loading: path !== null,
  });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    get<T>(path, abort.signal).then(
      (r) => setState({ data: r.data, etag: r.etag, error: undefined, loading: false }),
      (error: Error) => {
        if (abort.signal.aborted || error instanceof SignInRequired) return;
        setState({ data: undefined, etag: undefined, error, loading: false });
      },
    );
    return () => abort.abort();
  }, [path, generation]);
  return { ...state, reload };
}

/** Runs an action, keeping its pending state and its error (in words) for the form that started it. */
export function useAction(): {
  run: (action: () => Promise<unknown>) => Promise<boolean>;
  busy: boolean;
  error: Error | undefined;
  done: boolean;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const [done, setDone] = useState(false);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    setDone(false);
    try {
      await action();
      setDone(true);
      return true;
    } catch (e) {
      if (!(e instanceof SignInRequired)) setError(e instanceof Error ? e : new Error(String(e)));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { run, busy, error, done };
}
