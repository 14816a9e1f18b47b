// The upstream of bench/gateway: a plain node:http service, the same for every side (direct, nginx,
// Tessera). Answers GET /v1/accounts/:id with a small JSON body on keep-alive connections and ignores any
// header (it does not verify the assertion: the benchmark measures the proxies, not the upstream).
// Prints {"port"} once listening.

import { createServer } from 'node:http';
import { serveAndAnnounce } from './serve-process.ts';

const body = JSON.stringify({ id: 'acc_1', balance: { amount: 125000, currency: 'EUR' }, status: 'open' });
const server = createServer((request, response) => {
  request.resume();
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
});
serveAndAnnounce(server);
