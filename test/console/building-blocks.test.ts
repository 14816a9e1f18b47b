// The console's small security building blocks, each on its own: secrets at rest, TOTP steps, HTML
// escaping, charts and configuration.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { CONSOLE_JS } from '../../src/console/assets/script.ts';
import { SecretBox } from '../../src/console/auth/secret-box.ts';
import { matchingStep, STEP_MS, totpCode } from '../../src/console/auth/totp.ts';
import { latencyChart, requestsChart } from '../../src/console/charts.ts';
import { html } from '../../src/console/html.ts';
import { canUse } from '../../src/console/roles.ts';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('SecretBox (AES-256-GCM at rest)', () => {
  const k1 = key('k1');
  const k2 = key('k2');

  test('opens what it sealed, only for the same user, and names the key that sealed it', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'usr_a');
    assert.equal(sealed.keyId, 'k1');
    assert.doesNotMatch(sealed.ciphertext, /JBSWY3DP/);
    assert.equal(box.open(sealed, 'usr_a'), 'JBSWY3DPEHPK3PXP');
    assert.equal(box.open(sealed, 'usr_b'), undefined, 'bound to its user');
  });

  test('rotation: the first key seals, older keys still open', () => {
    const old = new SecretBox([k1]).seal('secret', 'usr_a');
    const rotated = new SecretBox([k2, k1]);
    assert.equal(rotated.open(old, 'usr_a'), 'secret');
    assert.equal(rotated.seal('secret', 'usr_a').keyId, 'k2');
    assert.equal(new SecretBox([k2]).open(old, 'usr_a'), undefined, 'a retired key id does not open');
  });

  test('an altered ciphertext does not open', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('secret', 'usr_a');
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    assert.equal(box.open({ ...sealed, ciphertext: bytes.toString('base64') }, 'usr_a'), undefined);
  });
});

describe('TOTP steps (RFC 6238)', () => {
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  const now = 1_700_000_015_000;
  const step = Math.floor(now / STEP_MS);

  test('the RFC 6238 SHA-1 test vector (T = 59 s) gives 287082 for its 20-byte key', () => {
    // RFC 6238 Appendix B: key "12345678901234567890", 8 digits 94287082; the 6-digit code is the last six.
    const rfcKey = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    assert.equal(totpCode(rfcKey, 59_000), '287082');
  });

  test('accepts the current step and one either side, and says which', () => {
    for (const delta of [-1, 0, 1]) {
      assert.equal(matchingStep(secret, totpCode(secret, (step + delta) * STEP_MS), now), step + delta);
    }
    assert.equal(matchingStep(secret, totpCode(secret, (step + 2) * STEP_MS), now), undefined);
    assert.equal(matchingStep(secret, totpCode(secret, (step - 2) * STEP_MS), now), undefined);
  });

  test('refuses anything that is not six digits', () => {
    for (const code of ['', '12345', '1234567', 'abcdef', '12 34 5x'])
      assert.equal(matchingStep(secret, code, now), undefined);
  });
});

describe('HTML and charts', () => {
  test('interpolated values are escaped', () => {
    const name = `<img src=x onerror="alert(1)">'`;
    assert.equal(
      html`<td>${name}</td>`.value,
      '<td>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;</td>',
    );
  });

  test('charts are self-contained SVG with a title, axis labels, a legend and no inline style', () => {
    const bars = requestsChart('r', [
      { label: '01-01', total: 10, errors: 2 },
      { label: '01-02', total: 0, errors: 0 },
    ]).value;
    assert.match(
      bars,
      /^<figure class="chart-figure"[^>]*><figcaption id="r-caption"><h3>Requests per day<\/h3>/,
    );
    assert.match(bars, /<svg class="chart"/);
    assert.match(bars, /<title id="r-t">/);
    assert.match(bars, /<li><span class="swatch bar" aria-hidden="true"><\/span>Requests<\/li>/);
    assert.match(bars, /<li><span class="swatch err" aria-hidden="true"><\/span>Errors/);
    assert.match(bars, /class="axis-label"[^>]*>Day \(UTC, month-day\)</);
    assert.match(bars, /class="axis-label"[^>]*>Requests</);
    assert.match(bars, /12 requests|10 requests, 2 errors/);
    assert.doesNotMatch(bars, /style=|<script|href=/);
    const line = latencyChart('l', [
      { label: '01-01', value: 120 },
      { label: '01-02', value: null },
      { label: '01-03', value: 80 },
    ]).value;
    assert.match(line, /<polyline class="line" points="[\d., ]+"\/>/);
    assert.equal((line.match(/<circle/g) ?? []).length, 2);
  });
});

describe('console script', () => {
  test('parses as JavaScript (a template-literal escape slip would break every page)', () => {
    assert.doesNotThrow(() => new Function(CONSOLE_JS));
    assert.match(CONSOLE_JS, /join\('\\n'\)/, 'lists are copied one item per line');
  });
});

describe('roles', () => {
  test('owner everything; developer keys, allowlist, usage; auditor the audit log only', () => {
    const matrix = (['owner', 'developer', 'auditor'] as const).map((role) =>
      (['keys', 'allowlist', 'usage', 'audit', 'team'] as const).filter((area) => canUse(role, area)),
    );
    assert.deepEqual(matrix, [
      ['keys', 'allowlist', 'usage', 'audit', 'team'],
      ['keys', 'allowlist', 'usage'],
      ['audit'],
    ]);
  });
});

describe('console configuration', () => {
  test('defaults: console URL from HOST and PORT, mail from localhost, no SMTP, generated secrets key', () => {
    const config = loadConfig({ HOST: '127.0.0.1', PORT: '9090' });
    assert.equal(config.consoleUrl, 'http://127.0.0.1:9090');
    assert.equal(config.mailFrom, 'Tessera <no-reply@localhost>');
    assert.equal(config.smtpUrl, undefined);
    assert.deepEqual(config.secretsKeys, []);
  });

  test('TESSERA_SECRETS_KEYS: kid:base64 of 32 bytes, first is current; anything else fails the start', () => {
    const a = randomBytes(32).toString('base64');
    const b = randomBytes(32).toString('base64');
    const config = loadConfig({ TESSERA_SECRETS_KEYS: `2025b:${b}, 2025a:${a}` });
    assert.deepEqual(
      config.secretsKeys.map((k) => k.id),
      ['2025b', '2025a'],
    );
    for (const bad of [`k1:${randomBytes(16).toString('base64')}`, a, `k1:${a},k1:${b}`, `bad id:${a}`]) {
      assert.throws(() => loadConfig({ TESSERA_SECRETS_KEYS: bad }), ConfigError);
    }
  });

  test('TESSERA_CONSOLE_URL must be an absolute http(s) URL', () => {
    assert.equal(
      loadConfig({ TESSERA_CONSOLE_URL: 'https://console.example.com/' }).consoleUrl,
      'https://console.example.com',
    );
    assert.throws(() => loadConfig({ TESSERA_CONSOLE_URL: 'console.example.com' }), ConfigError);
    assert.throws(() => loadConfig({ TESSERA_CONSOLE_URL: 'javascript:alert(1)' }), ConfigError);
  });
});
