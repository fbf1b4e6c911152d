import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/** List state kept in the URL (?page=2&status=FAILED), so that back/forward and links keep it. */
export function useSearchState() {
  const [params, setParams] = useSearchParams();

  const get = useCallback((key: string): string => params.get(key) ?? '', [params]);

  const getNumber = useCallback(
    (key: string): number | undefined => {
      const raw = params.get(key);
      if (raw === null || raw.trim() === '') return undefined;
      const n = Number(raw);
      return Number.isFinite(n) ? n : undefined;
    },
    [params],
  );

  /** Sets (or, for '' / undefined, removes) keys; any change other than `page` goes back to page 1. */
  const update = useCallback(
    (changes: Record<string, string | number | undefined>) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [key, value] of Object.entries(changes)) {
            if (value === undefined || value === '') next.delete(key);
            else next.set(key, String(value));
          }
          if (!('page' in changes)) next.delete('page');
          return next;
        },
        { replace: false },
      );
    },
    [setParams],
  );

  const page = Math.max(1, getNumber('page') ?? 1);
  const setPage = useCallback((p: number) => update({ page: p <= 1 ? undefined : p }), [update]);

  return { get, getNumber, update, page, setPage };
}
