// Runs one Tessera node from environment variables, as `tessera serve` does, for tests that need a real
// separate process (SIGKILL, several nodes). Prints one JSON line {"url": …} once it listens.
import { createTessera } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

const tessera = await createTessera(loadConfig(process.env));
const url = await tessera.listen();
process.stdout.write(`${JSON.stringify({ url })}\n`);
const stop = () => {
  tessera.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
