/**
 * Run by `npm ci` / `npm install` (postinstall): builds the console into web/dist, so that
 * `bin/callshield serve` serves it right after installing. Nothing is done when web/dist is newer
 * than its sources. Without the build tools (`npm ci --omit=dev`) it says how to build later
 * (`npm run build:web`) instead of failing the install.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

if (!existsSync(join(root, 'node_modules', 'vite', 'bin', 'vite.js'))) {
  process.stderr.write('callshield: the console is not built (no build tools installed); run "npm run build:web"\n');
} else {
  const { ensureConsoleBuilt } = await import('../web/ensure-built.ts');
  try {
    ensureConsoleBuilt();
  } catch (error) {
    // A failed console build leaves the API usable: say so and let the install finish.
    process.stderr.write(
      `callshield: building the console failed (${(error as Error).message.split('\n')[0]}); run "npm run build:web" to see why\n`,
    );
  }
}
