import type { ReactNode } from 'react';

/** The page's h1 (also the document title) and its main actions. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <title>{`${title} · Jobnest`}</title>
      <h1>{title}</h1>
      {children && <div className="actions">{children}</div>}
    </div>
  );
}
