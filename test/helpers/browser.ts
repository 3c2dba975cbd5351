/**
 * A real browser for the dashboard test: Debian's Chromium (or one named by CHROMIUM_PATH), driven
 * through playwright-core. Without one, the test says so in one line and is skipped; .ci/run
 * installs it.
 */
import { existsSync } from 'node:fs';

export const BROWSER_HINT = 'dashboard browser test skipped: no Chromium found (CHROMIUM_PATH, /usr/bin/chromium); install it with `apt-get install chromium`';

export function findChromium(): string | null {
  for (const path of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (path && existsSync(path)) return path;
  }
  return null;
}
