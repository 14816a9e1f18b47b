// The floor of bench/gateway: the least a Node.js reverse proxy does, on the same core as the Tessera node,
// in front of the same upstream. node:http in, undici's Pool out (the client the gateway uses), the response
// piped back; no authentication, no audit, no metrics. With `--sign` it also signs one Tessera-Assertion per
// request with the gateway's own signer (signAssertion, Ed25519), the one cost the contract makes
// per-request and unavoidable. What this process reaches bounds what any Node.js gateway can reach here.
//
//   node --import tsx bench/support/bare-proxy.ts <upstream port> [--sign]
//
// Prints {"port"} once listening.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';
import { encodedProtectedHeader, signAssertion } from '../../src/gateway/assertion.ts';
import { serveAndAnnounce } from './serve-process.ts';

const upstreamPort = Number(process.argv[2]);
const signing = process.argv.includes('--sign');
const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: 64 });
const key = {
  kid: 'bench',
  privateKey: generateKeyPairSync('ed25519').privateKey,
  encodedHeader: encodedProtectedHeader('bench'),
};

function assertionHeaders(method: string, target: string): Record<string, string> {
  if (!signing) return {};
  const subject = {
    issuer: 'https://api.bench.example',
    audience: 'ledger',
    partnerId: 'ptn_0000000000000000000000',
    environment: 'test' as const,
    keyId: 'key_0000000000000000000000',
    scopes: ['accounts:read'],
    requestId: `req_${randomUUID()}`,
    method,
    target,
    contentDigest: undefined,
  };
  return { 'tessera-assertion': signAssertion(key, subject, Date.now()) };
}

const server = createServer((request, response) => {
  const target = request.url ?? '/';
  const method = request.method === 'HEAD' ? 'HEAD' : 'GET';
  pool.request({ method, path: target, headers: assertionHeaders(method, target) }, (error, answer) => {
    if (error) {
      response.writeHead(502).end();
      return;
    }
    response.writeHead(answer.statusCode, answer.headers as IncomingHttpHeaders);
    answer.body.pipe(response);
  });
});
serveAndAnnounce(server);
