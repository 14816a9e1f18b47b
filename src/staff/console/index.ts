// The staff console at /staff: its own scope (allowlist, CSP, sessions, CSRF), sign-in with the staff
// OpenID Provider, and the pages. Absent when staff SSO is not configured.
import type { AppDeps } from '../../deps.ts';
import type { RouteRegistrar } from '../../server.ts';
import { StaffSignIn } from '../sign-in.ts';
import { approvalPages } from './approval-pages.ts';
import { auditPages } from './audit-pages.ts';
import { partnerPages } from './partner-pages.ts';
import { setUpStaffScope } from './plugin.ts';
import { sessionPages } from './session-pages.ts';
import { signInPages } from './sign-in-pages.ts';

export function staffConsoleRoutes(deps: AppDeps): RouteRegistrar {
  return (app) => {
    const settings = deps.config.staffOidc;
    if (!settings?.redirectUrl) return;
    const signIn = new StaffSignIn(settings);
    app.register(
      async (scope) => {
        setUpStaffScope(scope, deps);
        signInPages(scope, deps, signIn);
        for (const pages of [partnerPages, approvalPages, auditPages, sessionPages]) pages(scope, deps);
      },
      { prefix: '/staff' },
    );
  };
}
