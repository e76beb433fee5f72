import { readFileSync } from 'node:fs'

function findPackageJson (): { name: string, version: string } {
  // Runs from src/ under a TypeScript loader and from dist/src/ once built.
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8'))
      if (pkg.name === 'sap-is-proxy') return pkg
    } catch { /* try the next level */ }
  }
  return { name: 'sap-is-proxy', version: '0.0.0' }
}

export const { name: PRODUCT_NAME, version: PRODUCT_VERSION } = findPackageJson()
