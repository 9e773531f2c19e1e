// Compiles the council-branded GOV.UK stylesheet and copies browser scripts into dist/public.
import { copyFileSync, mkdirSync, readdirSync, writeFileSync, statSync, existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const out = path.join(root, 'dist', 'public')
const scss = path.join(root, 'src', 'assets', 'scss', 'app.scss')
const css = path.join(out, 'app.css')
mkdirSync(path.join(out, 'js'), { recursive: true })

const sources = [scss]
const fresh = existsSync(css) && sources.every((s) => statSync(s).mtimeMs < statSync(css).mtimeMs)
if (!fresh || process.argv.includes('--force')) {
  const result = sass.compile(scss, {
    style: 'compressed',
    importers: [new sass.NodePackageImporter()],
    quietDeps: true,
    silenceDeprecations: ['import', 'global-builtin'],
  })
  if (result.css.includes('GDS Transport')) throw new Error('stylesheet still references GDS Transport')
  writeFileSync(css, result.css)
}
for (const f of readdirSync(path.join(root, 'src', 'assets', 'js'))) {
  copyFileSync(path.join(root, 'src', 'assets', 'js', f), path.join(out, 'js', f))
}
console.log(`assets ready in ${path.relative(root, out)}`)
