/**
 * The status page's script, run in the browser as an ES module (no bundling: the proxy serves it
 * and the client it imports). Everything shown goes through `textContent`.
 * @see ../page.ts for the markup
 */
import { createClient, isSapProxyError, type ConnectionTestResult, type Health, type SapProxyClient, type TenantData, type TokenStatus } from '../../../src/client/index.js'

const KEY_STORAGE = 'sap-is-proxy.apiKey'
const MAX_ERRORS = 10
type Tone = 'ok' | 'warn' | 'bad' | 'unknown'

interface ErrorEntry { at: Date, what: string, text: string }

/** The proxy's root: the page is served at `<root>/status`. */
const baseUrl = location.pathname.replace(/\/status\/?$/, '')
const errors: ErrorEntry[] = []
let client = makeClient()
let token: TokenStatus | null = null
let needsKey = false

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id)
  if (!element) throw new Error(`status page: #${id} missing`)
  return element as T
}

function makeClient (): SapProxyClient {
  const apiKey = sessionStorage.getItem(KEY_STORAGE)
  return createClient({ baseUrl, timeoutMs: 60_000, ...(apiKey ? { apiKey } : {}) })
}

function show (id: string, text: string, tone?: Tone): void {
  const element = $(id)
  element.textContent = text
  if (tone) element.dataset.tone = tone
}

function record (what: string, err: unknown): void {
  if (isSapProxyError(err) && err.status === 401) {
    askForKey(sessionStorage.getItem(KEY_STORAGE) ? 'The API key was not accepted; enter another.' : 'This proxy needs an API key.')
    return
  }
  const text = isSapProxyError(err)
    ? [err.status ? String(err.status) : null, err.code, err.message, err.requestId ? `request ${err.requestId}` : null, err.fromSap ? 'from SAP' : err.fromProxy ? 'from the proxy' : null].filter(Boolean).join(' · ')
    : String(err)
  errors.unshift({ at: new Date(), what, text })
  errors.length = Math.min(errors.length, MAX_ERRORS)
  renderErrors()
}

function renderErrors (): void {
  const list = $('errors')
  list.replaceChildren(...errors.map((entry) => {
    const item = document.createElement('li')
    const time = document.createElement('time')
    time.dateTime = entry.at.toISOString()
    time.textContent = entry.at.toLocaleTimeString()
    const what = document.createElement('strong')
    what.textContent = ` ${entry.what}: `
    item.append(time, what, entry.text)
    return item
  }))
  $('no-errors').hidden = errors.length > 0
}

/** Runs one call; an error is listed (a 401 asks for a key instead) and answers undefined. */
async function attempt<T> (what: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call()
  } catch (err) {
    record(what, err)
    return undefined
  }
}

function askForKey (reason: string): void {
  needsKey = true
  $('key-reason').textContent = reason
  $('key-form').hidden = false
  $<HTMLInputElement>('key-input').focus()
}

function duration (seconds: number): string {
  if (seconds <= 0) return 'expired'
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`
}

function renderTokenLeft (): void {
  if (!token?.hasToken || !token.expiresAt) {
    show('token-left', '')
    return
  }
  const left = Math.round((Date.parse(token.expiresAt) - Date.now()) / 1000)
  show('token-left', left > 0 ? `${duration(left)} left (expires ${new Date(token.expiresAt).toLocaleTimeString()})` : 'expired')
}

function renderToken (status: TokenStatus): void {
  token = status
  if (status.hasToken) show('token-state', 'Valid', status.lastError ? 'warn' : 'ok')
  else show('token-state', status.lastError ? 'Unavailable' : 'None held yet', status.lastError ? 'bad' : 'unknown')
  const parts = [
    `${status.refreshCount} obtained`,
    status.lastRefreshAt ? `last at ${new Date(status.lastRefreshAt).toLocaleTimeString()}` : null,
    status.lastError ? `last error: ${status.lastError}` : null
  ]
  show('token-detail', parts.filter(Boolean).join(' · '))
  renderTokenLeft()
}

function renderHealth (health: Health): void {
  const connection = health.services.sap_connection
  show('connection', { healthy: 'Connected', unhealthy: 'Not connected', unknown: 'Not checked yet' }[connection], connection === 'healthy' ? 'ok' : connection === 'unhealthy' ? 'bad' : 'unknown')
  show('connection-detail', `Proxy ${health.status}; token ${health.services.token}`)
  show('health', `Proxy ${health.version}, up ${duration(health.uptimeSeconds)} · ${health.status}`)
}

function renderConnectionTest (result: ConnectionTestResult): void {
  show('connection', result.success ? 'Connected' : 'Connection failed', result.success ? 'ok' : 'bad')
  const step = (name: string, ok: boolean, latencyMs: number | null): string => `${name} ${ok ? 'ok' : 'failed'}${latencyMs === null ? '' : ` in ${latencyMs} ms`}`
  show('connection-detail', `${result.message} (${step('token', result.token.ok, result.token.latencyMs)}, ${step('API', result.api.ok, result.api.latencyMs)}; tested ${new Date().toLocaleTimeString()})`)
}

function renderSnapshot (data: TenantData): void {
  show('tenant', data.tenant)
  show('count-packages', String(data.counts.packages))
  show('count-iflows', String(data.counts.iflows))
  show('count-deployed', String(data.counts.deployed))
  show('snapshot-at', `Snapshot of ${new Date(data.fetchedAt).toLocaleString()}`)
}

async function load (refresh = false): Promise<void> {
  document.body.dataset.state = 'loading'
  needsKey = false
  const [info, health, snapshot] = await Promise.all([
    attempt('service', () => client.info()),
    attempt('health', () => client.health()),
    attempt('snapshot', () => client.baseTenantData({ refresh }))
  ])
  // After the calls above, which obtain a token when none is held: the status then tells of it.
  const status = await attempt('token status', () => client.tokenStatus())
  if (info) {
    show('tenant', info.tenant)
    show('version', info.version)
  }
  if (health) renderHealth(health)
  if (status) renderToken(status)
  if (snapshot) renderSnapshot(snapshot)
  $('forget-key').hidden = !sessionStorage.getItem(KEY_STORAGE)
  document.body.dataset.state = needsKey ? 'needs-key' : 'ready'
}

/** A button's action; `data-runs` counts finished runs (tests wait on it), the button is disabled meanwhile. */
function onClick (id: string, action: () => Promise<void>): void {
  const button = $<HTMLButtonElement>(id)
  button.addEventListener('click', async () => {
    button.disabled = true
    try {
      await action()
    } finally {
      button.disabled = false
      button.dataset.runs = String(Number(button.dataset.runs ?? '0') + 1)
    }
  })
}

onClick('test-connection', async () => {
  const result = await attempt('test connection', () => client.testConnection())
  if (result) renderConnectionTest(result)
})
onClick('refresh-token', async () => {
  // A failed refresh leaves the held token (if any) in place: the status then shows both.
  const status = await attempt('refresh token', () => client.refreshToken()) ?? await attempt('token status', () => client.tokenStatus())
  if (status) renderToken(status)
  const health = await attempt('health', () => client.health())
  if (health) renderHealth(health)
})
onClick('reload-snapshot', async () => {
  const snapshot = await attempt('reload snapshot', () => client.baseTenantData({ refresh: true }))
  if (snapshot) renderSnapshot(snapshot)
})

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const input = $<HTMLInputElement>('key-input')
  const key = input.value.trim()
  if (!key) return
  sessionStorage.setItem(KEY_STORAGE, key)
  input.value = ''
  $('key-form').hidden = true
  client = makeClient()
  void load()
})
$('forget-key').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_STORAGE)
  location.reload()
})

setInterval(renderTokenLeft, 1000)
void load()
