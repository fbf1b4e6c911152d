/** A status as text on a colour (never colour alone). */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status.toLowerCase().replace(/_/g, '-')}`}>{status}</span>;
}

export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return <StatusBadge status={enabled ? 'ENABLED' : 'DISABLED'} />;
}
