// How bench/gateway's helper processes (the upstream, the floor proxy) serve: keep-alive connections held a
// minute, loopback on a free port announced as one line {"port"} on stdout (what bench/gateway.ts waits for),
// and a clean close on SIGTERM.
import type { Server } from 'node:http';

export function serveAndAnnounce(server: Server): void {
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(
      `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
    );
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
