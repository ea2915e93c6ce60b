/** Compiles the service once per run (as `npm start` does), so the process and end-to-end suites run the built JS. */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync('npm', ['run', 'build'], { stdio: 'pipe' });
}
