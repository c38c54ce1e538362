/**
 * @module Opens a URL in the desktop's browser, where there is a desktop: xdg-open (or
 * $BROWSER) when DISPLAY or WAYLAND_DISPLAY is set. Detached and silent; false when it did not try.
 */
import { spawn } from 'node:child_process';

export function openBrowser(url: string, env: NodeJS.ProcessEnv): boolean {
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY && !env.BROWSER) return false;
  const cmd = env.BROWSER || 'xdg-open';
  try {
    const child = spawn(cmd, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
