import { useCallback, useEffect, useRef, useState } from 'react';
import { isAbortError } from '../api/client';

export interface PollingState<T> {
  /** Last successful result; kept while later polls fail. */
  data: T | undefined;
  /** Error from the most recent poll, cleared by the next success. */
  error: unknown;
  /** When `data` was last received. */
  lastUpdated: Date | undefined;
  /** True until the first poll settles (success or failure). */
  loading: boolean;
  /** Poll now (and restart the interval). */
  refresh: () => void;
}

/**
 * Call `fetcher` immediately and then `intervalMs` after each call settles
 * (so slow responses never overlap). In-flight requests are aborted on
 * unmount. `fetcher` should be stable (module-level or memoized).
 */
export function usePolling<T>(
  fetcher: (signal: AbortSignal) => Promise<T>,
  intervalMs: number,
): PollingState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [lastUpdated, setLastUpdated] = useState<Date>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((n) => n + 1), []);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;

    const run = async () => {
      try {
        const result = await fetcherRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setData(result);
        setError(undefined);
        setLastUpdated(new Date());
      } catch (err) {
        if (controller.signal.aborted || isAbortError(err)) return;
        setError(err);
      }
      setLoading(false);
      timer = setTimeout(run, intervalMs);
    };
    void run();

    return () => {
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [intervalMs, tick]);

  return { data, error, lastUpdated, loading, refresh };
}
