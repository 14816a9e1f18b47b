// The signing recipe of seed 001, step by step, with a runnable Node example that signs a real request body
// (the document's own example, so the sample is a valid request on the day the page is rendered).
import { type Html, html } from '../console/html.ts';

export function signingRecipe(exampleBody: unknown): Html {
  const body = JSON.stringify(exampleBody ?? {});
  const sample = `import { createHmac, randomUUID } from 'node:crypto';

const apiKey = process.env.TESSERA_API_KEY; // sk_test_<prefix>_<secret>
const secret = apiKey.split('_')[3];        // the part after the prefix
const path = '/v1/quotes';                  // path and query, exactly as sent
const body = JSON.stringify(${body});
const timestamp = String(Math.floor(Date.now() / 1000));
const signature = createHmac('sha256', secret)
  .update(\`\${timestamp}\\nPOST\\n\${path}\\n\${body}\`)
  .digest('hex');

const response = await fetch(\`https://tessera.example.com\${path}\`, {
  method: 'POST',
  headers: {
    Authorization: \`Bearer \${apiKey}\`,
    'Content-Type': 'application/json',
    'Idempotency-Key': randomUUID(), // keep it to retry this same operation
    'X-Timestamp': timestamp,
    'X-Signature': signature,
  },
  body, // the very string that was signed
});`;
  return html`<ol>
<li>Take the secret: the part of the key after <code>sk_(live|test)_&lt;prefix&gt;_</code>.</li>
<li>Serialise the body once; sign and send those exact bytes (a write with no fields sends <code>{}</code>).</li>
<li>Take the time in epoch seconds for <code>X-Timestamp</code>; it must be within 300 seconds of the server's.</li>
<li>Build the canonical string <code>{X-Timestamp}\\n{METHOD}\\n{path-with-query}\\n{body}</code>, joined by line feeds.</li>
<li><code>X-Signature</code> is the lower-case hex of HMAC-SHA256 of that string, keyed with the secret.</li>
<li>Send a new UUID v4 <code>Idempotency-Key</code> per operation, and the same one on each retry of it.</li>
</ol>
<p>A signature is accepted once per Idempotency-Key: two byte-identical writes signed in the same second
carry the same signature, and the second is refused as <code>auth.signature.replayed</code>. Sign it again
with the next second, or make the writes differ. The SDK does this for you.</p>
<pre>${sample}</pre>`;
}
