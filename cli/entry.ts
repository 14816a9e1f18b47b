// Development entry: `node --import tsx cli/entry.ts <command>` runs the CLI from source, without a build.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
