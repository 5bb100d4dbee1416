/** The `shoal` command's entry point (the package's `bin`): see cli.ts. */
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));
// Open sockets and timers of a stopped peer must not keep the process: the peer is stopped by now.
setTimeout(() => process.exit(), 200).unref();
