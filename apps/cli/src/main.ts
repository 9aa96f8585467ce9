// Entry point of the operator CLI (`npx token-encryption <command>`, via bin/token-encryption.mjs). Plain Node, no Nest: commands open
// keystores and files directly and must start fast.
import { processIo } from './cli-io.js';
import { runCli } from './cli.program.js';

// exitCode rather than process.exit(): stdout is flushed before the process ends, even into a pipe.
process.exitCode = await runCli(process.argv.slice(2), processIo());
