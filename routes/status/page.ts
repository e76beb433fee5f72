/**
 * The status page's markup and styles. Plain HTML: every value is filled in by the page's
 * script (./browser/app.ts) through `textContent`, never as markup. No inline script (the CSP is
 * `script-src 'self'`), nothing loaded from outside the proxy. Asset urls are relative to
 * `/status`, so the page also works behind a reverse proxy that mounts the proxy under a prefix.
 */

export const ASSET_PREFIX = 'status/assets/'
export const PAGE_SCRIPT = `${ASSET_PREFIX}modules/routes/status/browser/app.js`

export const STATUS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sap-is-proxy · Backend status</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PREFIX}status.css">
<script type="module" src="${PAGE_SCRIPT}"></script>
</head>
<body data-state="loading">
<header>
  <div>
    <h1>Backend status <span class="muted" id="version"></span></h1>
    <p class="muted">sap-is-proxy · tenant <strong id="tenant">…</strong></p>
  </div>
  <nav class="actions">
    <button type="button" id="test-connection" data-runs="0">Test connection</button>
    <button type="button" id="refresh-token" data-runs="0">Refresh token</button>
    <button type="button" id="reload-snapshot" data-runs="0">Reload snapshot</button>
  </nav>
</header>

<form id="key-form" hidden>
  <p id="key-reason">This proxy needs an API key.</p>
  <label for="key-input">API key</label>
  <input type="password" id="key-input" name="key" autocomplete="off" required>
  <button type="submit">Use key</button>
  <p class="muted">Kept in this browser tab only (session storage), sent as <code>X-API-Key</code>.</p>
</form>

<main>
  <section class="card" aria-labelledby="h-connection">
    <h2 id="h-connection">Connection to SAP</h2>
    <p class="state" id="connection" data-tone="unknown">…</p>
    <p class="detail" id="connection-detail"></p>
  </section>
  <section class="card" aria-labelledby="h-token">
    <h2 id="h-token">Access token</h2>
    <p class="state" id="token-state" data-tone="unknown">…</p>
    <p class="detail" id="token-left"></p>
    <p class="detail" id="token-detail"></p>
  </section>
  <section class="card" aria-labelledby="h-content">
    <h2 id="h-content">Tenant content</h2>
    <dl class="counts">
      <div><dt>Packages</dt><dd id="count-packages">–</dd></div>
      <div><dt>iFlows</dt><dd id="count-iflows">–</dd></div>
      <div><dt>Deployed</dt><dd id="count-deployed">–</dd></div>
    </dl>
    <p class="detail" id="snapshot-at"></p>
  </section>
  <section class="card wide" aria-labelledby="h-errors">
    <h2 id="h-errors">Last errors</h2>
    <p class="muted" id="no-errors">None since this page was opened.</p>
    <ol id="errors"></ol>
  </section>
</main>

<footer class="muted">
  <span id="health"></span>
  · <a href="docs">API documentation</a>
  <button type="button" class="link" id="forget-key" hidden>Forget API key</button>
</footer>
</body>
</html>
`

export const STATUS_CSS = `:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --card: #fff; --text: #1d2330; --muted: #5d6675; --line: #dde1e7;
  --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --accent: #0a6ed1;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #12151b; --card: #1b2029; --text: #e6e9ef; --muted: #9aa3b2; --line: #2c333f; --ok: #3fb950; --warn: #d29922; --bad: #f85149; --accent: #4c9be8; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1040px; padding: 24px; background: var(--bg); color: var(--text); }
header { display: flex; flex-wrap: wrap; gap: 16px; justify-content: space-between; align-items: flex-end; margin-bottom: 20px; }
h1 { margin: 0; font-size: 1.6rem; }
h2 { margin: 0 0 8px; font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
p { margin: 4px 0; }
.muted { color: var(--muted); font-weight: normal; }
.actions { display: flex; gap: 8px; flex-wrap: wrap; }
button { font: inherit; padding: 7px 14px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button:disabled { opacity: .55; cursor: progress; }
button.link { background: none; border: none; color: var(--accent); padding: 0 0 0 8px; text-decoration: underline; }
main { display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; }
.card.wide { grid-column: 1 / -1; }
.state { font-size: 1.35rem; font-weight: 600; }
.state::before { content: "●"; margin-right: 8px; color: var(--muted); }
[data-tone="ok"]::before { color: var(--ok); }
[data-tone="warn"]::before { color: var(--warn); }
[data-tone="bad"]::before { color: var(--bad); }
.detail { color: var(--muted); font-size: .92rem; overflow-wrap: anywhere; }
.counts { display: flex; gap: 24px; margin: 0; }
.counts dt { color: var(--muted); font-size: .85rem; }
.counts dd { margin: 0; font-size: 2rem; font-weight: 650; font-variant-numeric: tabular-nums; }
#errors { margin: 0; padding-left: 20px; font-size: .92rem; }
#errors li { margin: 4px 0; overflow-wrap: anywhere; }
#errors code, code { font-size: .85em; }
#key-form { background: var(--card); border: 1px solid var(--warn); border-radius: 10px; padding: 16px 18px; margin-bottom: 16px; }
#key-form[hidden] { display: none; }
#key-form input { font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; min-width: 280px; background: var(--bg); color: var(--text); }
footer { margin-top: 20px; font-size: .9rem; }
footer a { color: var(--accent); }
`
