import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { EmptyState } from './EmptyState';
import { ErrorMessage } from './ErrorMessage';
import { Loading } from './Loading';

interface QueryViewProps<T> {
  query: UseQueryResult<T>;
  /** What is loading, for the loading line ("Loading jobs…"). */
  what: string;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}

/** The loading, error and empty states of one query, then its data. A failed refresh keeps the data shown. */
export function QueryView<T>({ query, what, isEmpty, empty, children }: QueryViewProps<T>) {
  if (query.isPending) return <Loading label={`Loading ${what}`} />;
  if (query.isError && query.data === undefined)
    return <ErrorMessage error={query.error} title={`Could not load ${what}`} />;
  const data = query.data as T;
  return (
    <>
      {query.isError && <ErrorMessage error={query.error} title={`Could not refresh ${what}`} />}
      {isEmpty?.(data) ? <EmptyState>{empty ?? `No ${what}.`}</EmptyState> : children(data)}
    </>
  );
}
