import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The ES modules a browser loads for the status page: the client and the page's script, keyed by
 * their path in the repository (as `.js`). Served under one url prefix with the same layout, the
 * modules' own relative imports (`../../../src/client/index.js`) resolve in the browser as they
 * do on disk, so nothing is bundled or rewritten.
 */
export const BROWSER_MODULES = [
  'src/client/index.js',
  'src/client/errors.js',
  'routes/status/browser/app.js'
] as const
export type BrowserModule = typeof BROWSER_MODULES[number]

const here = dirname(fileURLToPath(import.meta.url))
/** The repository root, or `dist/` when this file runs compiled: the modules sit at the same paths below it. */
const root = resolve(here, '../..')
/**
 * Compiled (`dist/`), tsc has emitted the browser modules next to this file's own output: they
 * are read as they are. Under a TypeScript loader (tap, tsx) the `.ts` sources are transpiled on
 * first use instead, so tests and `npm run dev` never serve a stale build. `typescript` is a
 * development dependency: it is loaded only then.
 */
const compiled = import.meta.url.endsWith('.js')

const cache = new Map<BrowserModule, Promise<string>>()

export function isBrowserModule (path: string): path is BrowserModule {
  return (BROWSER_MODULES as readonly string[]).includes(path)
}

async function transpile (path: BrowserModule): Promise<string> {
  const file = join(root, path.replace(/\.js$/, '.ts'))
  const { default: ts } = await import('typescript')
  const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
    fileName: file,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, verbatimModuleSyntax: true, sourceMap: false }
  })
  return outputText
}

async function readCompiled (path: BrowserModule): Promise<string> {
  const text = await readFile(join(root, path), 'utf8')
  // The source maps point into the repository's sources, which are not served.
  return text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n')
}

/** The JavaScript of a browser module, read (or transpiled) once. */
export function browserModule (path: BrowserModule): Promise<string> {
  let text = cache.get(path)
  if (!text) {
    text = compiled ? readCompiled(path) : transpile(path)
    text.catch(() => cache.delete(path)) // a failed read is retried on the next request
    cache.set(path, text)
  }
  return text
}
