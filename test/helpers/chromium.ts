import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Debian's `chromium` package (`apt-get install chromium`; `.ci/run` installs it where it can), or undefined. */
export const CHROMIUM: string | undefined = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));

/**
 * The DOM of `file` after the page's script ran, from headless Chromium with a fresh profile and no network
 * (every request goes to a proxy on a closed loopback port), as text.
 * @param hash - appended to the file URL, e.g. `#status=finding`
 * @throws when Chromium is absent ({@link CHROMIUM}), fails or takes over two minutes
 */
export function renderedDom(file: string, hash = ''): string {
  if (CHROMIUM === undefined) throw new Error('chromium is not installed (apt-get install chromium)');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-chromium-'));
  return execFileSync(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, '--proxy-server=127.0.0.1:9', '--proxy-bypass-list=<-loopback>', '--dump-dom', `file://${file}${hash}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000 },
  );
}
