import { useQuery } from '@tanstack/react-query';
import { previewTimes } from '../api/jobs';
import { keys } from '../api/query-keys';
import type { TimeExpressionType } from '../api/types';
import { errorMessages } from '../api/errors';
import { useDebounced } from '../lib/use-debounced';
import { Time } from './Time';

interface TimePreviewProps {
  app: string;
  type: TimeExpressionType;
  expression: string;
  timeZone: string;
}

/** The next 5 fire times of an expression, asked of the server (validate-time) 400 ms after the last keystroke. */
export function TimePreview({ app, type, expression, timeZone }: TimePreviewProps) {
  const input = useDebounced({ type, expression: expression.trim(), timeZone: timeZone.trim() || 'UTC' }, 400);
  const untimed = input.type === 'API' || input.type === 'WORKFLOW';
  const query = useQuery({
    queryKey: [...keys.app(app), 'time-preview', input],
    queryFn: ({ signal }) => previewTimes(app, input.type, input.expression, input.timeZone, signal),
    enabled: !untimed && input.expression !== '',
    staleTime: 30_000,
    retry: false,
  });

  let body;
  if (untimed) {
    body = <p>{input.type === 'API' ? 'Runs only when triggered through the API.' : 'Runs as a workflow node.'}</p>;
  } else if (input.expression === '') {
    body = <p>Enter an expression to preview the next fire times.</p>;
  } else if (query.isFetching && !query.data) {
    body = <p>Checking…</p>;
  } else if (query.isError) {
    body = (
      <p className="field-error" role="alert">
        {errorMessages(query.error).join('; ')}
      </p>
    );
  } else if (query.data) {
    body =
      query.data.nextFireTimes.length === 0 ? (
        <p>It never fires.</p>
      ) : (
        <ol className="preview-times">
          {query.data.nextFireTimes.map((t) => (
            <li key={t}>
              <Time value={t} />
            </li>
          ))}
        </ol>
      );
  }
  return (
    <div className="time-preview" aria-live="polite">
      <strong>Next fire times</strong>
      {body}
    </div>
  );
}
