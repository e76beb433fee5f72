import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { listen } from '../helper.js'

const CHROMIUM = ['chromium', 'chromium-browser', 'google-chrome'].find((name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0)

function skipReason (): string | false {
  if (CHROMIUM) return false
  if (process.env.CI === 'true') throw new Error('chromium is missing under CI=true: .ci/run should have installed it')
  return 'chromium is not installed (apt-get install chromium); skipping the browser check of the CSP'
}

/** Loads a page in headless Chromium, runs its scripts, and returns the DOM and the console. */
async function render (url: string): Promise<{ dom: string, console: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'sap-is-proxy-chromium-'))
  try {
    const child = spawn(CHROMIUM!, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', '--virtual-time-budget=15000', '--dump-dom', url
    ], { stdio: ['ignore', 'pipe', 'pipe'] })
    let dom = ''
    let consoleOutput = ''
    child.stdout.on('data', (chunk: Buffer) => { dom += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { consoleOutput += chunk.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    await new Promise<void>((resolve) => child.once('close', () => resolve()))
    clearTimeout(timer)
    return { dom, console: consoleOutput }
  } finally {
    rmSync(profile, { recursive: true, force: true })
  }
}

t.test('Swagger UI at /docs renders in a real browser under the proxy\'s CSP', { skip: skipReason(), timeout: 90_000 }, async (t) => {
  const { url } = await listen(t, { API_KEYS: 'docs-browser-key-0123456789' })
  const page = await fetch(`${url}/docs`)
  t.match(page.headers.get('content-security-policy'), /script-src 'self'/, 'the page is served with the CSP')
  await page.arrayBuffer()

  const { dom, console: output } = await render(`${url}/docs`)
  t.match(dom, /class="[^"]*swagger-ui/, 'Swagger UI mounted')
  t.match(dom, /opblock/, 'operations from /docs/json were rendered, so the scripts ran')
  t.match(dom, /\/api\/sap\//, 'including the proxy\'s routes')
  const violations = output.split('\n').filter((line) => /Content Security Policy|Refused to (load|execute|apply|connect)/i.test(line))
  t.same(violations, [], 'no CSP violation in the console')
})
