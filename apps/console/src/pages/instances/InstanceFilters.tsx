import { useState, type FormEvent } from 'react';
import { INSTANCE_STATUSES } from '../../api/types';
import { fromDateTimeLocal, toDateTimeLocal } from '../../lib/format';
import { AnyOfSelect, FilterButtons } from '../../components/FilterControls';

export interface InstanceFilterValues {
  jobId?: number;
  status?: string;
  since?: number;
  until?: number;
}

interface InstanceFiltersProps {
  value: InstanceFilterValues;
  onApply: (value: InstanceFilterValues) => void;
}

/** Job, status and time range (on the expected trigger time), applied with the Filter button. */
export function InstanceFilters({ value, onApply }: InstanceFiltersProps) {
  const [jobId, setJobId] = useState(value.jobId?.toString() ?? '');
  const [status, setStatus] = useState(value.status ?? '');
  const [since, setSince] = useState(toDateTimeLocal(value.since));
  const [until, setUntil] = useState(toDateTimeLocal(value.until));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const job = Number(jobId);
    onApply({
      jobId: jobId.trim() !== '' && Number.isInteger(job) && job > 0 ? job : undefined,
      status: status || undefined,
      since: fromDateTimeLocal(since) ?? undefined,
      until: fromDateTimeLocal(until) ?? undefined,
    });
  };

  const clear = () => {
    setJobId('');
    setStatus('');
    setSince('');
    setUntil('');
    onApply({});
  };

  return (
    <form className="filters" onSubmit={submit}>
      <div className="field">
        <label htmlFor="instances-job">Job ID</label>
        <input
          id="instances-job"
          type="number"
          min={1}
          step={1}
          value={jobId}
          onChange={(e) => setJobId(e.target.value)}
        />
      </div>
      <AnyOfSelect
        id="instances-status"
        label="Status"
        value={status}
        options={INSTANCE_STATUSES}
        onChange={setStatus}
      />
      <div className="field">
        <label htmlFor="instances-since">Since</label>
        <input id="instances-since" type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="instances-until">Until</label>
        <input id="instances-until" type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
      </div>
      <FilterButtons onClear={clear} />
    </form>
  );
}
