import { readFileSync } from 'node:fs'
import t from 'tap'

/**
 * Advisory floors: the registry reachable here answers no `npm audit`, so the lowest safe version
 * of each package (per major line) lives here, each with the advisory that sets it. The test
 * fails when `package-lock.json` resolves anything below a floor, so a downgrade (or a stale
 * transitive copy) cannot slip in. `verified: false` marks a fixed version taken from a public
 * report rather than from the advisory itself. Advisory classes without a floor the registry offers
 * are pinned by regression tests instead (listed at the end).
 */
interface Floor {
  /** The major line the floor applies to. */
  line: number
  floor: string
  advisories: string
  verified?: false
}

interface PackageFloors {
  /** Older major lines are refused outright (end of life, or affected without a fix). */
  minimumLine: number
  floors: Floor[]
}

export const ADVISORY_FLOORS: Record<string, PackageFloors> = {
  fastify: {
    minimumLine: 5,
    floors: [
      { line: 5, floor: '5.3.2', advisories: 'GHSA-mg2h-6x62-wpwc / CVE-2025-32442: Content-Type parsing lets a body skip its validation' },
      { line: 5, floor: '5.7.2', advisories: 'GHSA-jx2c-rxcm-jvmq / CVE-2026-25223: a tab in Content-Type bypasses body validation' },
      { line: 5, floor: '5.7.3', advisories: 'GHSA-mrq3-vjjr-p77c / CVE-2026-25224: unbounded memory in sendWebStream' },
      { line: 5, floor: '5.8.3', advisories: 'GHSA-444r-cwp2-x5xf / CVE-2026-3635: request.protocol and request.host taken from X-Forwarded-* of untrusted peers' },
      { line: 5, floor: '5.8.5', advisories: 'GHSA-247c-9743-5963 / CVE-2026-33806: a leading space in Content-Type bypasses body validation' },
      { line: 5, floor: '5.12.3', advisories: 'GHSA-3m5p-2c4r-xxw2 and GHSA-w2qp-rph6-63g4, reported by OSV against 5.11.3; 5.12.3 is the release a public update reported as clearing them', verified: false }
    ]
  },
  '@fastify/reply-from': {
    minimumLine: 12,
    floors: [{ line: 12, floor: '12.6.2', advisories: 'class: headers named in the client\'s Connection header were forwarded, or could strip headers the proxy set (RFC 7230 §6.1); advisory id not verified here' }]
  },
  '@fastify/http-proxy': {
    minimumLine: 11,
    floors: [{ line: 11, floor: '11.4.4', advisories: 'class: the Connection-header manipulation above, through @fastify/reply-from 12.6.2; advisory id not verified here' }]
  },
  undici: {
    minimumLine: 6,
    floors: [
      { line: 6, floor: '6.24.0', advisories: 'GHSA-v9p9-hfj2-hcw8 (WebSocket server_max_window_bits crash), GHSA-vrm6-8vpv-qv8q / CVE-2026-1526 (WebSocket permessage-deflate memory)' },
      { line: 6, floor: '6.27.0', advisories: 'GHSA-vxpw-j846-p89q: WebSocket fragment-count bypass (DoS)', verified: false },
      { line: 7, floor: '7.18.2', advisories: 'GHSA-g9mf-h72j-4rw9: unbounded Content-Encoding decompression chain' },
      { line: 7, floor: '7.24.0', advisories: 'GHSA-2mjp-6q6p-2qxm (request/response smuggling), GHSA-4992-7rv2-5pvq (CRLF injection via upgrade), GHSA-vrm6-8vpv-qv8q, GHSA-v9p9-hfj2-hcw8, GHSA-f269-vfmq-vjvj (WebSocket 64-bit length), GHSA-phc3-fgpg-7m6h (DeduplicationHandler buffering)' },
      { line: 8, floor: '8.5.0', advisories: 'GHSA-38rv-x7px-6hhq: fragmented WebSocket payload limit', verified: false }
    ]
  },
  jose: {
    minimumLine: 4,
    floors: [{ line: 4, floor: '4.15.5', advisories: 'GHSA-hhhv-q57g-882q / CVE-2024-28176: resource exhaustion by a JWE with compressed plaintext' }]
  },
  'fast-jwt': {
    minimumLine: 3,
    floors: [
      { line: 3, floor: '3.3.2', advisories: 'CVE-2023-48223: RS256 → HS256 algorithm confusion with a PEM public key' },
      { line: 6, floor: '6.2.0', advisories: 'GHSA-mvf2-f6gm-w987 / CVE-2026-34950: algorithm confusion again with a whitespace-prefixed public key' },
      { line: 6, floor: '6.2.5', advisories: 'GHSA-ww5h-9m49-7xx4: the same with non-whitespace prefixes; fixed after 6.2.4 (release number not verified)', verified: false }
    ]
  },
  'find-my-way': {
    minimumLine: 9,
    floors: [
      { line: 9, floor: '9.0.1', advisories: 'GHSA-rrr8-f88r-h8q6 / CVE-2024-45813: ReDoS in multi-parametric routes' },
      { line: 9, floor: '9.7.0', advisories: 'GHSA-c96f-x56v-gq3h / CVE-2026-47219: remotely triggerable HTTP/2 DoS (fixed release as reported by a public update)', verified: false }
    ]
  },
  'fast-uri': {
    minimumLine: 3,
    floors: [
      { line: 3, floor: '3.1.3', advisories: 'GHSA-4c8g-83qw-93j6 / CVE-2026-13676: host confusion (affected 2.3.1–3.1.2 and 4.0.0)' },
      { line: 4, floor: '4.0.1', advisories: 'GHSA-4c8g-83qw-93j6 / CVE-2026-13676 on the 4.x line (4.0.0 affected)', verified: false }
    ]
  },
  '@fastify/static': {
    minimumLine: 10,
    floors: [
      { line: 10, floor: '10.1.1', advisories: 'CVE-2026-15074: route guard bypass through dot-dot segments (all releases up to 10.1.0; bypass of the CVE-2026-6414 fix)' },
      { line: 10, floor: '10.1.3', advisories: 'GHSA-8pvw-jcv7-9cmj / CVE-2026-7120: allowedPath bypass through non-canonical paths (fixed release as reported by a public update)', verified: false }
    ]
  },
  '@fastify/swagger-ui': {
    minimumLine: 2,
    floors: [{ line: 2, floor: '2.1.0', advisories: 'CVE-2024-22207: the default configuration served every file of the module\'s directory' }]
  },
  ws: {
    minimumLine: 8,
    floors: [{ line: 8, floor: '8.17.1', advisories: 'GHSA-3h5v-q93c-6h6q / CVE-2024-37890: DoS by a request with many headers' }]
  },
  '@fastify/auth': {
    minimumLine: 5,
    floors: [{ line: 5, floor: '5.1.1', advisories: 'GHSA-7h52-2rwr-m76r: authorization bypass through order-dependent evaluation of composed auth functions' }]
  }
}

/**
 * Advisory classes in this stack with no floor to pin (the registry may not carry the fix), each
 * held by a regression test of the workaround.
 */
export const PINNED_BY_TESTS = [
  '@fastify/reply-from: upstream TLS not verified by default → the tenant dispatcher sets rejectUnauthorized (passthrough TLS tests)',
  '@fastify/reply-from: GET with Content-Length forwarded without its body → refused with 400 (passthrough tests)',
  '@fastify/http-proxy: encoded prefixes, backslash dot segments, encoded separators escape the rewrite prefix → path guard (passthrough tests)',
  'fastify: numeric trustProxy disabled, one bucket for all → TRUST_PROXY is an address list (test/plugins/rate-limit.test.ts)',
  'Node 20: headers past maxHeadersCount dropped silently (framing desync, fixed in 22+) → 431 (test/plugins/hardening.test.ts)'
]

interface LockFile { packages: Record<string, { version?: string, link?: boolean }> }

function parse (version: string): number[] {
  return version.split('-')[0]!.split('.').map((part) => Number(part))
}

function below (version: string, floor: string): boolean {
  const a = parse(version)
  const b = parse(floor)
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0)
  }
  return version.includes('-') // a prerelease of the floor itself is below it
}

export function violations (lock: LockFile, floors = ADVISORY_FLOORS): string[] {
  const found: string[] = []
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || !entry.version || entry.link) continue
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)
    const rules = floors[name]
    if (!rules) continue
    const line = parse(entry.version)[0] ?? 0
    if (line < rules.minimumLine) {
      found.push(`${path}@${entry.version}: major line ${line} is below ${rules.minimumLine} (${rules.floors.map((f) => f.advisories).join('; ')})`)
      continue
    }
    for (const rule of rules.floors) {
      if (rule.line === line && below(entry.version, rule.floor)) found.push(`${path}@${entry.version} < ${rule.floor}: ${rule.advisories}`)
    }
  }
  return found
}

const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as LockFile

t.test('no resolved package is below the floor of a known advisory', async (t) => {
  t.same(violations(lock), [])
})

t.test('the packages these floors guard are in the lock file (a rename would silently skip them)', async (t) => {
  for (const name of ['fastify', '@fastify/reply-from', '@fastify/http-proxy', 'undici', 'jose', 'find-my-way', 'fast-uri', '@fastify/static', '@fastify/swagger-ui']) {
    t.ok(Object.keys(lock.packages).some((path) => path.endsWith(`node_modules/${name}`)), name)
  }
})

t.test('a downgrade is caught', async (t) => {
  const downgraded: LockFile = {
    packages: {
      '': {},
      'node_modules/fastify': { version: '5.8.2' },
      'node_modules/@fastify/http-proxy/node_modules/@fastify/reply-from': { version: '12.6.0' },
      'node_modules/undici': { version: '7.23.9' },
      'node_modules/jose': { version: '3.20.0' },
      'node_modules/@fastify/static': { version: '10.1.1-rc.1' }
    }
  }
  const found = violations(downgraded)
  t.equal(found.length, 8, 'fastify below three floors, @fastify/static below two')
  t.match(found.join('\n'), /fastify@5\.8\.2 < 5\.8\.3: GHSA-444r-cwp2-x5xf/)
  t.match(found.join('\n'), /reply-from@12\.6\.0 < 12\.6\.2/)
  t.match(found.join('\n'), /undici@7\.23\.9 < 7\.24\.0: GHSA-2mjp-6q6p-2qxm/)
  t.match(found.join('\n'), /jose@3\.20\.0: major line 3 is below 4/)
  t.match(found.join('\n'), /@fastify\/static@10\.1\.1-rc\.1 < 10\.1\.1/)
  t.ok(PINNED_BY_TESTS.length > 0)
})
