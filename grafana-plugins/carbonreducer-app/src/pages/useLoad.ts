import { useCallback, useEffect, useState } from 'react';

/** Loads with `load`, again on `reload()`, keeping the last value while reloading (so an action never blanks a page). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  // `deps` decide when to load again (as in useEffect); `load` itself is a new closure on every render.
  const run = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    setLoading(true);
    run().then(
      (v) => live && (setValue(v), setError(null), setLoading(false)),
      (e: unknown) => live && (setError(e instanceof Error ? e : new Error(String(e))), setLoading(false))
    );
    return () => {
      live = false;
    };
  }, [run, tick]);
  return { value, error, loading, reload: () => setTick((t) => t + 1) };
}
