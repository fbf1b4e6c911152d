import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { listAudit } from '../../api/admin';
import type { AuditFilter } from '../../api/admin-types';
import { keys } from '../../api/query-keys';
import { Pager } from '../../components/Pager';
import { QueryView } from '../../components/QueryView';
import { Time } from '../../components/Time';
import { useSearchState } from '../../lib/use-search-state';
import { RequireAppAdmin } from './RequireAppAdmin';
import { useClampedPage } from '../../lib/use-clamped-page';
import { FilterButtons } from '../../components/FilterControls';

const PAGE_SIZE = 50;
const FILTERS = [
  ['actor', 'Actor', 'e.g. user:alice'],
  ['action', 'Action', 'e.g. job.update'],
  ['targetType', 'Target type', 'job, workflow, instance, workflow-instance, grant…'],
  ['targetId', 'Target ID', ''],
] as const;

type FilterKey = (typeof FILTERS)[number][0];

function AuditFilters({
  value,
  onApply,
}: {
  value: Record<FilterKey, string>;
  onApply: (v: Record<FilterKey, string>) => void;
}) {
  const [draft, setDraft] = useState(value);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(draft);
  };
  return (
    <form className="filters" onSubmit={submit}>
      {FILTERS.map(([key, label, placeholder]) => (
        <div className="field" key={key}>
          <label htmlFor={`audit-${key}`}>{label}</label>
          <input
            id={`audit-${key}`}
            value={draft[key]}
            placeholder={placeholder}
            onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
          />
        </div>
      ))}
      <FilterButtons />
    </form>
  );
}

function Audit({ app }: { app: string }) {
  const search = useSearchState();
  const filter = Object.fromEntries(FILTERS.map(([key]) => [key, search.get(key)])) as Record<FilterKey, string>;
  const params: AuditFilter = {
    page: search.page,
    size: PAGE_SIZE,
    ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== '')),
  };
  const query = useQuery({
    queryKey: [...keys.audit(app), params],
    queryFn: () => listAudit(app, params),
    placeholderData: keepPreviousData,
  });
  useClampedPage(query.data, search.setPage);
  return (
    <section>
      <h2 id="audit-title">Audit log of {app}</h2>
      <AuditFilters key={JSON.stringify(filter)} value={filter} onApply={(f) => search.update(f)} />
      <QueryView query={query} what="audit entries" isEmpty={(d) => d.items.length === 0}>
        {(data) => (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Audit log</caption>
                <thead>
                  <tr>
                    <th scope="col">At</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Action</th>
                    <th scope="col">Target type</th>
                    <th scope="col">Target ID</th>
                    <th scope="col">Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((entry) => (
                    <tr key={entry.id}>
                      <td>
                        <Time value={entry.at} />
                      </td>
                      <td>{entry.actor}</td>
                      <td>
                        <code>{entry.action}</code>
                      </td>
                      <td>{entry.targetType}</td>
                      <td>{entry.targetId ?? '-'}</td>
                      <td className="reason">{entry.detail ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={data.page} size={data.size} total={data.total} onPage={search.setPage} />
          </>
        )}
      </QueryView>
    </section>
  );
}

export function AuditSection() {
  return <RequireAppAdmin>{(app) => <Audit app={app} />}</RequireAppAdmin>;
}
