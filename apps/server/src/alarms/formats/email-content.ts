import { type AlarmSummary, singleLine } from './alarm-summary';
import { renderPlainText } from './plain-text';

/** Longest subject: mail clients cut long ones anyway, and some servers fold or refuse them. */
const MAX_SUBJECT_CHARS = 200;

/** `text` safe as HTML element content and as a quoted attribute value. */
function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * An alarm as e-mail: a one-line subject (the title), the plain text, and a minimal HTML part with everything
 * escaped, since names, reasons and log lines come from jobs and may hold markup.
 */
export function emailContent(summary: AlarmSummary): { subject: string; text: string; html: string } {
  const rows = summary.fields
    .map((f) => `<tr><th align="left" valign="top">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`)
    .join('\n');
  const parts = [`<h2>${escapeHtml(summary.title)}</h2>`, `<table>\n${rows}\n</table>`];
  if (summary.logLines.length > 0) {
    parts.push(`<p>Last log lines:</p>\n<pre>${summary.logLines.map(escapeHtml).join('\n')}</pre>`);
  }
  if (summary.link) {
    const link = escapeHtml(summary.link);
    parts.push(`<p><a href="${link}">${link}</a></p>`);
  }
  return {
    subject: singleLine(summary.title, MAX_SUBJECT_CHARS),
    text: renderPlainText(summary),
    html: parts.join('\n'),
  };
}
