import type { AlarmSummary } from './alarm-summary';

/** The words of the link in markups that name a link (plain text shows the address itself). */
const LINK_TEXT = 'Open in Jobnest';

/**
 * The summary as plain text: the title, a blank line, `Label: value` lines, then the last log lines and the link,
 * each after a blank line. For receivers that show text as is (Feishu text, e-mail, the webhook's `text`).
 */
export function renderPlainText(summary: AlarmSummary): string {
  const parts = [summary.title, summary.fields.map((f) => `${f.label}: ${f.value}`).join('\n')];
  if (summary.logLines.length > 0) parts.push(['Last log lines:', ...summary.logLines].join('\n'));
  if (summary.link) parts.push(summary.link);
  return parts.join('\n\n');
}

/**
 * Slack mrkdwn treats `&`, `<` and `>` as markup (`<!channel>`, `<@U1>`, links): escaped, a value can neither break
 * the layout nor ping anybody.
 */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Standard markdown (DingTalk, WeCom) would turn a value a job wrote (its name, its failure reason) into a link or an
 * image (`[text](url)`, `![](url)`) or raw HTML. Those receivers do not all honour backslash escapes, so the
 * brackets become their full-width forms, which read the same and build nothing.
 */
function escapeMarkdown(text: string): string {
  return text.replace(/\[/g, '［').replace(/\]/g, '］').replace(/</g, '＜').replace(/>/g, '＞');
}

/** A fence inside a log line would end the code block early. */
function defuseFence(line: string): string {
  return line.replace(/```/g, "'''");
}

/** Slack's `<url|text>`: `|` and `>` would end the address early. */
function slackLink(url: string): string {
  const safe = url.replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/&/g, '&amp;');
  return `<${safe}|${LINK_TEXT}>`;
}

/** Markdown's `[text](url)`: a space or a parenthesis would end the address early. */
function markdownLink(url: string): string {
  const safe = url.replace(/ /g, '%20').replace(/\(/g, '%28').replace(/\)/g, '%29');
  return `[${LINK_TEXT}](${safe})`;
}

/**
 * The summary as markdown: `slack` for Slack mrkdwn (`*bold*`, `<url|text>`, `&<>` escaped), `standard` for the
 * markdown of DingTalk and WeCom (`**bold**`, `[text](url)`). Fields are list items, since these receivers join
 * plain consecutive lines into one paragraph; log lines go in a fenced code block.
 */
export function renderMarkdown(summary: AlarmSummary, flavor: 'slack' | 'standard'): string {
  const slack = flavor === 'slack';
  const text = slack ? escapeSlack : escapeMarkdown;
  const bold = (value: string) => (slack ? `*${value}*` : `**${value}**`);
  const parts = [
    bold(text(summary.title)),
    summary.fields.map((f) => `${slack ? '• ' : '- '}${bold(`${text(f.label)}:`)} ${text(f.value)}`).join('\n'),
  ];
  if (summary.logLines.length > 0) {
    // Inside the code block markdown is shown as is: only the fence needs defusing (and Slack's `&<>`).
    const lines = summary.logLines.map((line) => defuseFence(slack ? escapeSlack(line) : line));
    parts.push(`${bold('Last log lines:')}\n\`\`\`\n${lines.join('\n')}\n\`\`\``);
  }
  if (summary.link) parts.push(slack ? slackLink(summary.link) : markdownLink(summary.link));
  return parts.join('\n\n');
}
