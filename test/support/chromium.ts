import { execFileSync } from 'node:child_process';

/**
 * The headless Chromium the browser tests drive (Debian's `chromium` package), or undefined where there is
 * none. In CI (CI=true) a missing browser is an error: `.ci/run` installs it, and these tests never skip there.
 */
export function headlessChromium(): string | undefined {
  for (const bin of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      const path = execFileSync('which', [bin], { encoding: 'utf8' }).trim();
      if (path) return path;
    } catch {
      // not installed under this name
    }
  }
  if (process.env.CI === 'true') {
    throw new Error("CI=true but no headless Chromium: .ci/run installs Debian's chromium package");
  }
  return undefined;
}
