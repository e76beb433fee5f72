import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import t from 'tap'
import ts from 'typescript'
import type * as ClientModule from '../../src/client/index.js'
import { BROWSER_MODULES, browserModule } from '../../routes/status/modules.js'
import { listen } from '../helper.js'

/** The client as it is published: dependency-free JavaScript, a `sap-is-proxy/client` subpath export with declarations. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string, exports: Record<string, unknown> }

/** Every module specifier a piece of emitted JavaScript loads (static, re-exports, dynamic), comments aside. */
function runtimeImports (code: string): string[] {
  return ts.preProcessFile(code, true, true).importedFiles.map((file) => file.fileName)
}

t.test('the client\'s JavaScript imports nothing but its own files', async (t) => {
  const sources = readdirSync(join(ROOT, 'src/client')).filter((name) => name.endsWith('.ts'))
  t.ok(sources.includes('index.ts'))
  for (const name of sources) {
    const { outputText } = ts.transpileModule(readFileSync(join(ROOT, 'src/client', name), 'utf8'), {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, verbatimModuleSyntax: true }
    })
    for (const specifier of runtimeImports(outputText)) {
      t.match(specifier, /^\.\/[a-z-]+\.js$/, `${name} imports ${specifier}: a file of the client`)
      t.ok(BROWSER_MODULES.includes(`src/client/${specifier.slice(2)}` as never), `${specifier} is served to browsers`)
    }
  }
})

t.test('the modules served to browsers load only each other', async (t) => {
  for (const path of BROWSER_MODULES) {
    const code = await browserModule(path)
    for (const specifier of runtimeImports(code)) {
      const resolved = new URL(specifier, `http://x/${path}`).pathname.slice(1)
      t.ok(BROWSER_MODULES.includes(resolved as never), `${path} → ${specifier} (${resolved}) is served`)
    }
    t.notMatch(code, /sourceMappingURL|\bimport type\b/, `${path}: plain JavaScript`)
  }
})

t.test('package.json exports sap-is-proxy/client: the built JavaScript and its declarations', async (t) => {
  t.same(pkg.exports['./client'], { types: './dist/src/client/index.d.ts', default: './dist/src/client/index.js' })

  // Build the client as `npm run build` does (same compiler options), into a package of its own.
  const dir = mkdtempSync(join(tmpdir(), 'sap-is-proxy-client-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!
  // Only the client and what its types import; the rest of the project is the typecheck's to report.
  const program = ts.createProgram([join(ROOT, 'src/client/index.ts')], { ...config.options, outDir: join(dir, 'dist'), sourceMap: false, noEmit: false })
  const emitted = program.emit()
  const clientFiles = program.getSourceFiles().filter((file) => file.fileName.includes('/src/client/'))
  t.same(clientFiles.map((file) => file.fileName.replace(/^.*\/src\/client\//, '')).sort(), ['errors.ts', 'index.ts', 'types.ts'])
  const diagnostics = [...emitted.diagnostics, ...clientFiles.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)])]
  t.same(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), [], 'the client compiles cleanly')
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: pkg.name, type: 'module', exports: pkg.exports }))
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir') // for the declarations' own imports (TypeBox)

  // Plain Node, no TypeScript loader: the package resolves its own subpath export.
  writeFileSync(join(dir, 'consumer.mjs'), "export * from 'sap-is-proxy/client'\n")
  const published = await import(pathToFileURL(join(dir, 'consumer.mjs')).href) as typeof ClientModule
  const { url } = await listen(t)
  const { count } = await published.createClient({ baseUrl: url }).packages()
  t.equal(count, 25, 'the built client works against the proxy')
  t.type(published.SapProxyError, 'function')

  // A TypeScript consumer (moduleResolution bundler, as in a Vite app) gets real types.
  mkdirSync(join(dir, 'app'))
  writeFileSync(join(dir, 'app/main.ts'), `import { createClient, isSapProxyError, type IFlow, type Package } from 'sap-is-proxy/client'
const proxy = createClient({ baseUrl: 'http://localhost:8000', apiKey: 'key' })
export async function names (): Promise<string[]> {
  const { packages } = await proxy.packages()
  const flows: IFlow[] = (await proxy.iflows({ packageId: packages[0]!.id })).iflows
  const deployed = flows.filter((flow) => flow.runtime?.status === 'STARTED')
  // @ts-expect-error a package's name is a string, not a number
  const wrong: number = packages[0]!.name
  const first: Package | undefined = packages[0]
  try { await proxy.refreshToken() } catch (err) { if (isSapProxyError(err)) return [err.code ?? '', String(err.status), err.source] }
  return [first?.name ?? '', String(deployed.length), String(wrong)]
}
`)
  const consumer = ts.createProgram([join(dir, 'app/main.ts')], {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'], types: [], skipLibCheck: true
  })
  t.same(ts.getPreEmitDiagnostics(consumer).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), [], 'the consumer type-checks against the declarations')
})
