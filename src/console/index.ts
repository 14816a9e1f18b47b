// The partner console: server-rendered pages under /console, in their own encapsulated scope (own form
// parser, CSP, sessions and error pages), plus the admin route staff use to invite a partner's first owner.
import type { AppDeps } from '../deps.ts';
import type { Job } from '../jobs.ts';
import type { RouteRegistrar } from '../server.ts';
import { adminUserRoutes } from './admin-users.ts';
import { purgeLinks } from './auth/magic-links.ts';
import { openSecretBox } from './auth/secret-box.ts';
import { purgeSessions } from './auth/sessions.ts';
import { purgeThrottles } from './auth/throttle.ts';
import type { ConsoleDeps } from './context.ts';
import { createMailer } from './mailer.ts';
import { allowlistRoutes } from './pages/allowlist.ts';
import { auditRoutes } from './pages/audit.ts';
import { keyRoutes } from './pages/keys.ts';
import { loginRoutes } from './pages/login.ts';
import { mfaRoutes } from './pages/mfa.ts';
import { securityRoutes } from './pages/security.ts';
import { teamRoutes } from './pages/team.ts';
import { usageRoutes } from './pages/usage.ts';
import { setUpConsoleScope } from './plugin.ts';

export function consoleRoutes(deps: AppDeps): RouteRegistrar {
  return (app) => {
    adminUserRoutes(deps)(app);
    app.register(
      async (scope) => {
        const consoleDeps: ConsoleDeps = {
          ...deps,
          box: await openSecretBox(deps.config, deps.db),
          mailer: createMailer(deps.config, deps.logger, deps.now),
        };
        setUpConsoleScope(scope, consoleDeps);
        for (const routes of [
          loginRoutes,
          mfaRoutes,
          keyRoutes,
          allowlistRoutes,
          auditRoutes,
          usageRoutes,
          teamRoutes,
          securityRoutes,
        ]) {
          routes(scope, consoleDeps);
        }
      },
      { prefix: '/console' },
    );
  };
}

export function consoleJobs(deps: AppDeps): Job[] {
  return [
    {
      name: 'console-purge',
      everyMs: 10 * 60_000,
      async run() {
        const now = deps.now();
        await purgeLinks(deps.db, now);
        await purgeSessions(deps.db, now);
        await purgeThrottles(deps.db, now);
      },
    },
  ];
}
