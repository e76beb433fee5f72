import { startSandbox } from './index.js'

/**
 * `npm run sandbox`: starts the sandbox tenant on $PORT (default 4004) and prints how to reach it.
 * The credentials printed are the sandbox's own fake ones.
 */

const port = Number(process.env.PORT ?? 4004)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got ${process.env.PORT ?? ''}`)
  process.exit(1)
}

const sandbox = await startSandbox({ port })
console.log(`SAP Cloud Integration sandbox tenant
  tenant url:    ${sandbox.url}
  api:           ${sandbox.url}/api/v1
  token url:     ${sandbox.tokenUrl}
  client id:     ${sandbox.clientId}
  client secret: ${sandbox.clientSecret}
Ctrl+C to stop.`)

let closing = false
const stop = (signal: string): void => {
  if (closing) return
  closing = true
  console.log(`${signal}: stopping the sandbox`)
  sandbox.close().then(() => process.exit(0), (error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
process.on('SIGINT', () => { stop('SIGINT') })
process.on('SIGTERM', () => { stop('SIGTERM') })
