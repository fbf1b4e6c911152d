import { errorMessages } from '../api/errors';

/** The API's message(s) for a failed call, announced to screen readers. */
export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (error === null || error === undefined) return null;
  const messages = errorMessages(error);
  return (
    <div className="error-box" role="alert">
      {title && <strong>{title}</strong>}
      {messages.length === 1 ? (
        <p>{messages[0]}</p>
      ) : (
        <ul>
          {messages.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
