// The console's security properties over plain HTTP: magic links (single use, expiry, tampering, GET
// consumes nothing), CSRF, session ends (logout, idle, absolute, rotation), TOTP replay and throttling,
// no email enumeration (responses and timing), role enforcement, and the admin invite route.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { codeAt, csrfOf, FormClient, linkFor, outboxCount, pathOf, signIn, tempDataDir } from './support.ts';

const MINUTE = 60_000;

for (const target of databaseTargets()) {
  describe(`console security (${target})`, () => {
    let h: Harness;
    let clock = Date.now();
    const now = () => clock;
    const dataDir = tempDataDir();
    const owner = 'owner@bank-a.example';

    before(async () => {
      h = await startHarness(target, { now, env: { TESSERA_DATA_DIR: dataDir } });
      const invited = await h.admin('POST', `/admin/v1/partners/${h.a.id}/users`, {
        email: owner,
        role: 'owner',
      });
      assert.equal(invited.status, 201);
    });
    after(() => h?.close());

    /** Moves the clock past the sign-in throttles' window and onto a fresh TOTP step. */
    const nextWindow = () => {
      clock += 16 * MINUTE;
    };

    test('staff invite an owner through the admin API; the address is unique whatever its case', async () => {
      const reply = await h.admin('POST', `/admin/v1/partners/${h.b.id}/users`, {
        email: 'Lead@Insurer-B.example',
        role: 'owner',
      });
      assert.equal(reply.status, 201);
      assert.deepEqual(Object.keys(reply.body).sort(), ['created_at', 'email', 'id', 'partner_id', 'role']);
      assert.match(String(reply.body.id), /^usr_/);
      assert.equal(reply.body.partner_id, h.b.id);
      const again = await h.admin('POST', `/admin/v1/partners/${h.b.id}/users`, {
        email: 'lead@insurer-b.example',
        role: 'auditor',
      });
      assert.equal(again.status, 409);
      assert.equal(again.body.code, 'user.email_taken');
      const list = await h.admin('GET', `/admin/v1/partners/${h.b.id}/users`);
      assert.equal((list.body.data as unknown[]).length, 1);
      const bad = await h.admin('POST', `/admin/v1/partners/${h.b.id}/users`, {
        email: 'not-an-email',
        role: 'owner',
      });
      assert.equal(bad.status, 400);
      const noToken = await fetch(`${h.baseUrl}/admin/v1/partners/${h.b.id}/users`);
      assert.equal(noToken.status, 401);
    });

    test('a GET on the link consumes nothing; the POST does, once; reuse, expiry and tampering are refused', async () => {
      nextWindow();
      const client = new FormClient(h.baseUrl);
      const login = await client.get('/console/login');
      const requestedAt = clock;
      await client.submit(login, '/console/login', { email: owner });
      const link = await linkFor(dataDir, owner, requestedAt);
      const token = new URL(link).searchParams.get('token') ?? '';
      // A mail scanner following the link twice leaves it usable.
      await new FormClient(h.baseUrl).get(pathOf(link));
      const confirm = await client.get(pathOf(link));
      assert.equal(confirm.status, 200);
      assert.match(confirm.text, /method="post" action="\/console\/login\/link"/);

      const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      const refusedTampered = await client.submit(confirm, '/console/login/link', { token: tampered });
      assert.equal(refusedTampered.status, 400);
      assert.match(refusedTampered.text, /cannot be used/);

      const used = await client.submit(confirm, '/console/login/link', { token });
      assert.equal(used.status, 303);
      assert.equal(used.location, '/console/mfa');
      const other = new FormClient(h.baseUrl);
      const reused = await other.submit(await other.get(pathOf(link)), '/console/login/link', { token });
      assert.equal(reused.status, 400);
      assert.doesNotMatch(reused.text, /at .*\.ts:\d+/, 'no stack trace');

      nextWindow();
      const late = new FormClient(h.baseUrl);
      const lateLogin = await late.get('/console/login');
      const lateAt = clock;
      await late.submit(lateLogin, '/console/login', { email: owner });
      const lateLink = await linkFor(dataDir, owner, lateAt);
      clock += 15 * MINUTE + 1_000;
      const lateConfirm = await late.get(pathOf(lateLink));
      const expired = await late.submit(lateConfirm, '/console/login/link', {
        token: new URL(lateLink).searchParams.get('token') ?? '',
      });
      assert.equal(expired.status, 400);
    });

    test('sign-in forms without the login-CSRF cookie value are refused', async () => {
      nextWindow();
      const client = new FormClient(h.baseUrl);
      const before = outboxCount(dataDir);
      const missing = await client.post('/console/login', { email: owner });
      assert.equal(missing.status, 403);
      await client.get('/console/login');
      const wrong = await client.post('/console/login', { email: owner, _csrf: 'x'.repeat(43) });
      assert.equal(wrong.status, 403);
      assert.match(wrong.text, /form has expired/);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(outboxCount(dataDir), before, 'no mail was sent');
    });

    let secret = '';
    test('first sign-in enrols TOTP, rotates the session id and shows recovery codes once', async () => {
      nextWindow();
      const client = new FormClient(h.baseUrl);
      const login = await client.get('/console/login');
      const at = clock;
      await client.submit(login, '/console/login', { email: owner });
      const link = await linkFor(dataDir, owner, at);
      const confirm = await client.get(pathOf(link));
      await client.submit(confirm, '/console/login/link', {
        token: new URL(link).searchParams.get('token') ?? '',
      });
      const partialCookie = client.cookies.get('tessera_session');
      assert.ok(partialCookie);
      // A partial session reaches nothing but the second-factor pages.
      assert.equal((await client.get('/console/keys')).location, '/console/mfa');
      const enrol = await client.get('/console/mfa/enrol');
      assert.match(enrol.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.match(enrol.text, /<svg/);
      secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(enrol.text)?.[1]?.replace(/ /g, '') ?? '';
      const wrong = await client.submit(enrol, '/console/mfa/enrol', {
        code: '000000' === codeAt(secret, clock) ? '111111' : '000000',
      });
      assert.equal(wrong.status, 400);
      const enrolled = await client.submit(enrol, '/console/mfa/enrol', { code: codeAt(secret, clock) });
      assert.equal(enrolled.location, '/console/mfa/recovery-codes', 'Post/Redirect/Get');
      const done = await client.get('/console/mfa/recovery-codes');
      assert.equal(done.status, 200);
      assert.match(done.text, /will not be shown again/);
      assert.equal((done.text.match(/<li>[a-z0-9]{5}-[a-z0-9]{5}<\/li>/g) ?? []).length, 10);
      const reloaded = await client.get('/console/mfa/recovery-codes');
      assert.equal(reloaded.location, '/console', 'a reload does not show the codes again');
      const fullCookie = client.cookies.get('tessera_session');
      assert.notEqual(fullCookie, partialCookie, 'a new session id after the second factor');
      const stale = new FormClient(h.baseUrl);
      stale.cookies.set('tessera_session', partialCookie ?? '');
      assert.equal((await stale.get('/console/keys')).location, '/console/login');
      assert.equal((await client.get('/console/keys')).status, 200);
    });

    test('a TOTP code cannot be used twice, and wrong codes are throttled', async () => {
      // The enrolment spent the current step: the same code, in the same step, is refused.
      const client = new FormClient(h.baseUrl);
      const login = await client.get('/console/login');
      clock += 16 * MINUTE;
      const at = clock;
      const reusedCode = codeAt(secret, clock);
      await client.submit(login, '/console/login', { email: owner });
      const link = await linkFor(dataDir, owner, at);
      const confirm = await client.get(pathOf(link));
      await client.submit(confirm, '/console/login/link', {
        token: new URL(link).searchParams.get('token') ?? '',
      });
      const challenge = await client.get('/console/mfa');
      const first = await client.submit(challenge, '/console/mfa', { code: reusedCode });
      assert.equal(first.status, 303);
      const second = await signInExpectingChallenge(at);
      const replay = await second.submit(await second.get('/console/mfa'), '/console/mfa', {
        code: reusedCode,
      });
      assert.equal(replay.status, 400);
      assert.match(replay.text, /works once/);
      for (let i = 0; i < 4; i++)
        await second.submit(await second.get('/console/mfa'), '/console/mfa', { code: '12345x' });
      const throttled = await second.submit(await second.get('/console/mfa'), '/console/mfa', {
        code: codeAt(secret, clock + 30_000),
      });
      assert.equal(throttled.status, 429);
      clock += 16 * MINUTE;
    });

    async function signInExpectingChallenge(_at: number): Promise<FormClient> {
      const client = new FormClient(h.baseUrl);
      const login = await client.get('/console/login');
      const at = clock;
      await client.submit(login, '/console/login', { email: owner });
      const link = await linkFor(dataDir, owner, at);
      const confirm = await client.get(pathOf(link));
      await client.submit(confirm, '/console/login/link', {
        token: new URL(link).searchParams.get('token') ?? '',
      });
      return client;
    }

    test('state-changing forms need the session CSRF token', async () => {
      nextWindow();
      const { client } = await signIn(h.baseUrl, dataDir, owner, now, secret);
      const keys = await client.get('/console/keys');
      const form = { environment: 'test', name: 'csrf probe', scopes: 'quotes:read' };
      const missing = await client.post('/console/keys', form);
      assert.equal(missing.status, 403);
      assert.match(missing.text, /form has expired/);
      const wrong = await client.post('/console/keys', {
        ...form,
        _csrf: csrfOf(keys).replace(/^./, (c) => (c === 'a' ? 'b' : 'a')),
      });
      assert.equal(wrong.status, 403);
      const listed = await client.get('/console/keys?env=test');
      assert.doesNotMatch(listed.text, /csrf probe/);
      const right = await client.submitAndFollow(keys, '/console/keys', form);
      assert.equal(right.status, 200);
      assert.match(right.text, /sk_test_[A-Za-z0-9]{8}_[A-Za-z0-9]{48}/);
    });

    test('session cookies are HttpOnly, SameSite=Strict, Path=/ (no Secure only on loopback http)', async () => {
      nextWindow();
      const client = new FormClient(h.baseUrl);
      const login = await client.get('/console/login');
      const cookie = login.headers.getSetCookie().join('\n');
      assert.match(cookie, /tessera_login=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict/);
      assert.equal(login.headers.get('content-security-policy')?.includes("frame-ancestors 'none'"), true);
      assert.match(
        login.headers.get('content-security-policy') ?? '',
        /default-src 'none'; script-src 'self'; style-src 'self'/,
      );
      assert.doesNotMatch(login.text, /<script>|\sonclick=|\sstyle="/, 'no inline script or style');
    });

    test('a session ends with logout, after 30 idle minutes, and after 12 hours whatever the activity', async () => {
      nextWindow();
      const a = await signIn(h.baseUrl, dataDir, owner, now, secret);
      const page = await a.client.get('/console/security');
      assert.equal(page.status, 200);
      const loggedOutCookie = a.client.cookies.get('tessera_session') ?? '';
      const out = await a.client.submit(page, '/console/logout');
      assert.equal(out.location, '/console/login?signed_out=1');
      const replayed = new FormClient(h.baseUrl);
      replayed.cookies.set('tessera_session', loggedOutCookie);
      assert.equal(
        (await replayed.get('/console/keys')).location,
        '/console/login',
        'the old cookie is dead',
      );

      nextWindow();
      const b = await signIn(h.baseUrl, dataDir, owner, now, secret);
      const cookieB = b.client.cookies.get('tessera_session') ?? '';
      clock += 29 * MINUTE;
      assert.equal((await b.client.get('/console/keys')).status, 200, 'still alive before 30 idle minutes');
      clock += 31 * MINUTE;
      assert.equal((await b.client.get('/console/keys')).location, '/console/login', 'idle timeout');
      const again = new FormClient(h.baseUrl);
      again.cookies.set('tessera_session', cookieB);
      assert.equal((await again.get('/console/keys')).location, '/console/login');

      nextWindow();
      const c = await signIn(h.baseUrl, dataDir, owner, now, secret);
      for (let elapsed = 0; elapsed < 12 * 60; elapsed += 25) {
        assert.equal((await c.client.get('/console/keys')).status, 200);
        clock += 25 * MINUTE;
      }
      assert.equal((await c.client.get('/console/keys')).location, '/console/login', 'absolute timeout');
    });

    test('the sign-in request answers identically, and in similar time, whether or not the address exists', async () => {
      const client = new FormClient(h.baseUrl);
      const login = await client.get('/console/login');
      const timings: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
      const bodies = new Set<string>();
      for (let i = 0; i < 20; i++) {
        for (const kind of ['known', 'unknown'] as const) {
          nextWindow();
          const started = performance.now();
          const reply = await client.submit(login, '/console/login', {
            email: kind === 'known' ? owner : `nobody${i}@bank-a.example`,
          });
          timings[kind].push(performance.now() - started);
          assert.equal(reply.status, 200);
          bodies.add(reply.text);
        }
      }
      assert.equal(bodies.size, 1, 'byte-identical responses');
      const median = (values: number[]) =>
        [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;
      const [known, unknown] = [median(timings.known), median(timings.unknown)];
      assert.ok(
        Math.abs(known - unknown) < Math.max(5, 0.5 * Math.max(known, unknown)),
        `medians ${known} vs ${unknown} ms`,
      );
    });

    test('sign-in requests are rate-limited per address, for unknown addresses too', async () => {
      nextWindow();
      const client = new FormClient(h.baseUrl);
      const login = await client.get('/console/login');
      for (const email of [owner, 'ghost@bank-a.example']) {
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++)
          statuses.push((await client.submit(login, '/console/login', { email })).status);
        assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
      }
    });

    test('an auditor sees the audit log only, and every change it attempts directly is refused', async () => {
      nextWindow();
      const o = await signIn(h.baseUrl, dataDir, owner, now, secret);
      const team = await o.client.get('/console/team');
      const invited = await o.client.submit(team, '/console/team', {
        email: 'auditor@bank-a.example',
        role: 'auditor',
      });
      assert.equal(invited.status, 303);
      nextWindow();
      const auditor = await signIn(h.baseUrl, dataDir, 'auditor@bank-a.example', now);
      const audit = await auditor.client.get('/console/audit');
      assert.equal(audit.status, 200);
      assert.match(audit.text, /console\.signed_in/);
      const forms = [...audit.text.matchAll(/<form[^>]*method="post"[^>]*action="([^"]+)"/g)].map(
        (m) => m[1],
      );
      assert.deepEqual(forms, ['/console/logout'], 'no state-changing form but sign-out');
      for (const path of ['/console/keys', '/console/allowlist', '/console/usage', '/console/team']) {
        assert.equal((await auditor.client.get(path)).status, 403, path);
      }
      const keys = await h.tessera.db.query<{ id: string }>('SELECT id FROM api_keys WHERE partner_id = $1', [
        h.a.id,
      ]);
      const attempts: Array<[string, Record<string, string>]> = [
        ['/console/keys', { environment: 'live', name: 'sneaky', scopes: 'quotes:read' }],
        [`/console/keys/${keys[0]?.id}/revoke`, {}],
        [`/console/keys/${keys[0]?.id}/regenerate`, {}],
        ['/console/allowlist', { environment: 'live', cidr: '10.0.0.0/8' }],
        ['/console/team', { email: 'x@bank-a.example', role: 'owner' }],
        ['/console/team/usr_x/role', { role: 'owner' }],
      ];
      for (const [path, fields] of attempts) {
        const reply = await auditor.client.submit(audit, path, fields);
        assert.equal(reply.status, 403, path);
        assert.match(reply.text, /Not allowed/);
      }
      const revoked = await h.tessera.db.query(
        'SELECT id FROM api_keys WHERE partner_id = $1 AND revoked_at IS NOT NULL',
        [h.a.id],
      );
      assert.equal(revoked.length, 0);
    });
  });
}
