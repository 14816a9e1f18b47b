// The page shell: skip link, header with the partner and user, navigation limited to the user's role,
// the page, and a sign-out form. One stylesheet and one script, both from our own origin.
import type { ConsoleSession } from '../auth/sessions.ts';
import { type Html, html } from '../html.ts';
import { type Area, areasOf } from '../roles.ts';

export type Section = Area | 'security' | 'none';

const LABELS: Record<Area, string> = {
  keys: 'Keys',
  allowlist: 'IP allowlist',
  audit: 'Audit log',
  usage: 'Usage',
  team: 'Team',
};

export interface Frame {
  title: string;
  session?: ConsoleSession | undefined;
  section?: Section;
  body: Html;
}

export function renderPage(frame: Frame): string {
  const session = frame.session?.mfaVerified ? frame.session : undefined;
  const nav = session
    ? html`<nav class="main" aria-label="Console"><ul>
        ${areasOf(session.user.role).map(
          (area) =>
            html`<li><a href="/console/${area}"${currentAttr(frame.section === area)}>${LABELS[area]}</a></li>`,
        )}
        <li><a href="/console/security"${currentAttr(frame.section === 'security')}>Security</a></li>
      </ul></nav>
      <div class="who"><span>${session.partnerName} · ${session.user.email} (${session.user.role})</span>
        <form class="inline" method="post" action="/console/logout">
          <input type="hidden" name="_csrf" value="${session.csrfToken}">
          <button class="secondary" type="submit">Sign out</button>
        </form></div>`
    : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · Tessera console</title>
<link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/assets/console.css"></head>
<body><a class="skip" href="#content">Skip to content</a>
<header class="top"><a class="brand" href="/console">Tessera</a>${nav}</header>
<main id="content" tabindex="-1">${frame.body}</main>
<footer>Tessera partner console</footer>
<script src="/console/assets/console.js" defer></script>
</body></html>`.value;
}

function currentAttr(current: boolean): Html {
  return current ? html` aria-current="page"` : html``;
}

export function csrfField(session: ConsoleSession): Html {
  return html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
}

export function formatDate(value: Date | string | null): string {
  if (value === null) return '—';
  return `${new Date(value).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}
