// The environment a page shows, from `?env=` (live by default), and the tabs that switch it.
import type { Environment } from '../../db/database.ts';
import { type Html, html } from '../html.ts';

export function environmentOf(value: unknown): Environment {
  return value === 'test' ? 'test' : 'live';
}

export function environmentTabs(path: string, current: Environment): Html {
  return html`<nav class="tabs" aria-label="Environment">${(['live', 'test'] as const).map(
    (env) =>
      html`<a href="${path}?env=${env}"${current === env ? html` aria-current="page"` : ''}>${env === 'live' ? 'Live' : 'Test (sandbox)'}</a>`,
  )}</nav>`;
}
