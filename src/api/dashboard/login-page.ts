/** @module The dashboard's HTML: the sign-in page (no script, no data) and the app shell that loads the bundle. */

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#1d2330;display:grid;place-items:center;min-height:100vh;margin:0}
main{background:#fff;padding:2rem 2.25rem;border-radius:10px;box-shadow:0 2px 12px #0002;width:min(26rem,90vw)}
h1{font-size:1.3rem;margin:0 0 .25rem}p{margin:.5rem 0 1rem;color:#4a5263}label{display:block;font-weight:600;margin-bottom:.3rem}
input{width:100%;box-sizing:border-box;padding:.55rem .6rem;font:inherit;border:1px solid #c3c8d2;border-radius:6px}
button{margin-top:1rem;width:100%;padding:.6rem;font:inherit;font-weight:600;color:#fff;background:#2f6fde;border:0;border-radius:6px;cursor:pointer}
.err{background:#fdecec;color:#9b1c1c;border:1px solid #f5c2c2;padding:.6rem .75rem;border-radius:6px}code{background:#eef0f4;padding:0 .25rem;border-radius:3px}`;

/** The sign-in form; `message` explains why the user is here (an expired link, a wrong token). */
export function loginPage(message?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · peapod</title><link rel="icon" href="data:,"><style>${STYLE}</style></head><body><main>
<h1>peapod dashboard</h1><p>Sign in with the admin token (<code>peapod kubeconfig</code> shows it), or run <code>peapod dashboard</code> for a one-time link.</p>
${message ? `<p class="err" role="alert">${esc(message)}</p>` : ''}
<form method="post" action="/ui/login"><label for="token">Token</label><input id="token" name="token" type="password" autocomplete="off" required autofocus>
<button type="submit">Sign in</button></form></main></body></html>`;
}

/** After a one-time link: a same-site step to /ui/ so the SameSite=Strict cookie goes with it. */
export function signedInPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/ui/"><title>Signed in · peapod</title></head>
<body><p>Signed in. <a href="/ui/">Open the dashboard</a>.</p></body></html>`;
}

/** The app shell: the CSRF token for the page's scripts, the bundle, and what shows before it runs. */
export function appShell(csrfToken: string, user: string, assetVersion: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="csrf-token" content="${esc(csrfToken)}"><meta name="peapod-user" content="${esc(user)}">
<title>peapod</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/ui/assets/app.css?v=${esc(assetVersion)}">
<script type="module" src="/ui/assets/app.js?v=${esc(assetVersion)}"></script></head>
<body><div id="app"><p class="boot">Loading the dashboard…</p></div>
<noscript><p>The peapod dashboard needs JavaScript.</p></noscript></body></html>`;
}
