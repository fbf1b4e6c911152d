import { useEffect } from 'react';

/** A server page as the list routes answer it. */
interface PageLike {
  items: readonly unknown[];
  total: number;
  page: number;
  size: number;
}

/**
 * Moves to the last page that has items when the one shown came back empty while others are not (its last item
 * was deleted, or the list shrank under a filter): otherwise the list would say "nothing yet" with no way back.
 */
export function useClampedPage(data: PageLike | undefined, setPage: (page: number) => void): void {
  useEffect(() => {
    if (data && data.items.length === 0 && data.total > 0 && data.page > 1) {
      setPage(Math.max(1, Math.ceil(data.total / data.size)));
    }
  }, [data, setPage]);
}
