import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { Page } from '../api/types';
import { errorMessages } from '../api/errors';
import type { ControlProps } from './Field';

const SIZE = 200;

interface PagedSelectProps<T> {
  control: ControlProps;
  queryKey: readonly unknown[];
  load: (page: number, size: number) => Promise<Page<T>>;
  idOf: (item: T) => number;
  labelOf: (item: T) => string;
  value: number | undefined;
  onChange: (id: number | undefined) => void;
  /** What is picked ("job"), for the empty option and the paging buttons. */
  noun: string;
  disabled?: boolean;
}

/** A <select> over one server page of items (200 at a time), with buttons to page through the rest. */
export function PagedSelect<T>(props: PagedSelectProps<T>) {
  const { control, queryKey, load, idOf, labelOf, value, onChange, noun, disabled } = props;
  const [page, setPage] = useState(1);
  const query = useQuery({
    queryKey: [...queryKey, 'list', { page, size: SIZE }],
    queryFn: () => load(page, SIZE),
    placeholderData: keepPreviousData,
  });
  const items = query.data?.items ?? [];
  const pages = query.data ? Math.max(1, Math.ceil(query.data.total / SIZE)) : 1;
  const missing = value !== undefined && !items.some((i) => idOf(i) === value);

  return (
    <div className="paged-select">
      <select
        {...control}
        value={value ?? ''}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
      >
        <option value="">{query.isPending ? 'Loading…' : `Choose a ${noun}`}</option>
        {missing && <option value={value}>{`${noun} #${value}`}</option>}
        {items.map((item) => (
          <option key={idOf(item)} value={idOf(item)}>
            {labelOf(item)}
          </option>
        ))}
      </select>
      {pages > 1 && (
        <span className="paged-select-pages">
          <button type="button" onClick={() => setPage(page - 1)} disabled={page <= 1}>
            Previous {noun}s
          </button>
          <button type="button" onClick={() => setPage(page + 1)} disabled={page >= pages}>
            More {noun}s
          </button>
        </span>
      )}
      {query.isError && (
        <p className="field-error" role="alert">
          {errorMessages(query.error).join('; ')}
        </p>
      )}
    </div>
  );
}
