/**
 * @module `peapod dashboard`: asks the daemon for a one-time sign-in link to its web dashboard,
 * prints it and opens it in a browser where there is one. The link works once, within 5 minutes.
 */
import type { CliContext, Command } from '../cli-context.js';
import { formatError } from '../cli-errors.js';
import { openBrowser } from '../../adapters/system/open-browser.js';

interface DashboardLogin {
  status: { url: string; expirationTimestamp: string };
}

export const dashboardCommand: Command = {
  usage: 'dashboard [--no-browser]',
  summary: 'Print a one-time sign-in link to the web dashboard (and open it)',
  details: 'The dashboard is served by the daemon under /ui/ on its HTTPS API (serve --listen). The link signs in once, within 5 minutes; the admin token works on the sign-in page too.',
  flags: [{ name: 'no-browser', type: 'boolean', help: 'only print the link' }],
  async run(ctx: CliContext): Promise<number> {
    let login: DashboardLogin;
    try {
      login = await ctx.client().request<DashboardLogin>({ method: 'POST', path: '/apis/peapod.io/v1alpha1/dashboardlogins', body: { apiVersion: 'peapod.io/v1alpha1', kind: 'DashboardLogin' } });
    } catch (err) {
      ctx.err(`${formatError(err)}\n`);
      return 1;
    }
    ctx.out(`${login.status.url}\n`);
    const opened = !ctx.args.flags['no-browser'] && openBrowser(login.status.url, ctx.io.env);
    ctx.err(`${opened ? 'Opened in your browser. ' : ''}The link signs in once, until ${login.status.expirationTimestamp}.\n`);
    return 0;
  },
};
