// The staff console's page shell: the partner console's stylesheet, navigation limited to what the
// person's roles allow, who is signed in, and a sign-out form.
import { type Html, html } from '../../console/html.ts';
import { primaryRole } from '../identity.ts';
import { mayPerform, type StaffPermission } from '../permissions.ts';
import type { StaffSession } from '../sessions.ts';

const SECTIONS: ReadonlyArray<[string, string, StaffPermission]> = [
  ['/staff', 'Partners', 'read'],
  ['/staff/approvals', 'Approvals', 'read'],
  ['/staff/audit', 'Audit log', 'audit'],
  ['/staff/sessions', 'Staff sessions', 'admin'],
];

export function staffPage(title: string, session: StaffSession | undefined, body: Html): string {
  const nav = session
    ? html`<nav class="main" aria-label="Staff console"><ul>
        ${SECTIONS.filter(([, , permission]) => mayPerform(session.person, permission)).map(
          ([href, label]) => html`<li><a href="${href}">${label}</a></li>`,
        )}
      </ul></nav>
      <div class="who"><span>${session.person.email ?? session.person.subject} (${primaryRole(session.person)})</span>
        <form class="inline" method="post" action="/staff/logout">${csrf(session)}
          <button class="secondary" type="submit">Sign out</button></form></div>`
    : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Tessera staff</title><link rel="stylesheet" href="/console/assets/console.css"></head>
<body><a class="skip" href="#content">Skip to content</a>
<header class="top"><a class="brand" href="/staff">Tessera staff</a>${nav}</header>
<main id="content" tabindex="-1">${body}</main><footer>Tessera staff console</footer></body></html>`.value;
}

export function csrf(session: StaffSession): Html {
  return html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
}

/** A one-button form posting to `action`, with the CSRF token. */
export function actionButton(
  session: StaffSession,
  action: string,
  label: string,
  extra: Html = html``,
): Html {
  return html`<form class="inline" method="post" action="${action}">${csrf(session)}${extra}
    <button type="submit">${label}</button></form>`;
}

export function when(value: Date | string | null): string {
  return value === null ? '—' : `${new Date(value).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}
