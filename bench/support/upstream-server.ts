// The upstream of bench/gateway: a plain node:http service, the same for every side (direct, nginx,
// Tessera). Answers GET /v1/accounts/:id with a small JSON body on keep-alive connections and ignores any
// header (it does not verify the assertion: the benchmark measures the proxies, not the upstream).
// Prints {"port"} once listening.
import { createServer } from 'node:http';

const body = JSON.stringify({ id: 'acc_1', balance: { amount: 125000, currency: 'EUR' }, status: 'open' });
const server = createServer((request, response) => {
  request.resume();
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
