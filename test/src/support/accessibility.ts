import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** One rule axe-core found broken on a page, with where. */
export interface AccessibilityViolation {
  rule: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** axe-core's browser build, evaluated through the DevTools protocol (the console's CSP refuses inline scripts). */
const AXE_SOURCE = readFileSync(createRequire(__filename).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core (the accessibility engine browsers' own audits use) on the page as it is now, with the WCAG 2.x A
 * and AA rules: labels, names of buttons and links, contrast, landmarks, keyboard-reachable controls. Returns what
 * it finds broken; an empty list means none of those rules failed.
 */
export async function accessibilityViolations(page: Page): Promise<AccessibilityViolation[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
  const json = (await page.evaluate(`
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
      .then((r) => JSON.stringify(r.violations.map((v) => ({
        rule: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target)).slice(0, 5),
      }))))
  `)) as string;
  return JSON.parse(json) as AccessibilityViolation[];
}
