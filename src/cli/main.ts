/** Entry point of the operator CLI: `npx content-worker <command>`, `npm run cli -- <command>`. */
import { run, USAGE, UsageError } from './commands.js';

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(
      `content-worker: ${err.message}\n${err instanceof UsageError ? USAGE + '\n' : ''}`,
    );
    process.exit(err instanceof UsageError ? 64 : 1);
  },
);
