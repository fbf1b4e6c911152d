import { useState, type FormEvent } from 'react';
import { ALARM_DELIVERY_STATUSES, ALARM_EVENT_TYPES } from '../../api/alarm-types';
import { AnyOfSelect, FilterButtons } from '../../components/FilterControls';

export interface DeliveryFilterValues {
  status?: string;
  eventType?: string;
}

/** Status and event type of the delivery history, applied with the Filter button. */
export function DeliveryFilters({
  value,
  onApply,
}: {
  value: DeliveryFilterValues;
  onApply: (value: DeliveryFilterValues) => void;
}) {
  const [status, setStatus] = useState(value.status ?? '');
  const [eventType, setEventType] = useState(value.eventType ?? '');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply({ status: status || undefined, eventType: eventType || undefined });
  };

  const clear = () => {
    setStatus('');
    setEventType('');
    onApply({});
  };

  return (
    <form className="filters" onSubmit={submit}>
      <AnyOfSelect
        id="alarms-status"
        label="Status"
        value={status}
        options={ALARM_DELIVERY_STATUSES}
        onChange={setStatus}
      />
      <AnyOfSelect
        id="alarms-event-type"
        label="Event type"
        value={eventType}
        options={ALARM_EVENT_TYPES}
        onChange={setEventType}
      />
      <FilterButtons onClear={clear} />
    </form>
  );
}
