// The environment a page shows, from `?env=` (the keys page opens on test, the sandbox, so nothing is
// created in production by default), the strict reading a submitted environment gets, and the tabs.
import type { Environment } from '../../db/database.ts';
import { type Html, html } from '../html.ts';
import { badForm } from '../page-error.ts';

export function environmentOf(value: unknown, fallback: Environment = 'live'): Environment {
  return value === 'live' || value === 'test' ? value : fallback;
}

/** A submitted environment: exactly `test` or `live`; anything else (a forged `prod`) is a 400. */
export function submittedEnvironment(value: string): Environment {
  if (value === 'test' || value === 'live') return value;
  throw badForm('The environment must be test or live.');
}

export function environmentTabs(path: string, current: Environment): Html {
  return html`<nav class="tabs" aria-label="Environment">${(['test', 'live'] as const).map(
    (env) =>
      html`<a href="${path}?env=${env}"${current === env ? html` aria-current="page"` : ''}>${env === 'live' ? 'Live' : 'Test (sandbox)'}</a>`,
  )}</nav>`;
}
