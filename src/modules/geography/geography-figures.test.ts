import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { NORBITON, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { paths } from '../../config.js'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { parseGeographyPack, type GeographyPack } from './geography-pack.js'
import { listAreaFigures, listWardFigures } from './geography.repository.js'
import { importGeographyPack } from './geography.service.js'

const pack = parseGeographyPack(
  readFileSync(path.join(paths.projectRoot, 'tenants', 'kingston', 'seed-pack', 'geography.json'), 'utf8'),
)

/** Ward totals worked out from the pack itself, in pack (source) category order. */
function expectedWardTotals(p: GeographyPack, wardCode: string) {
  const lsoas = new Set(p.areas.filter((a) => a.kind === 'lsoa' && a.wardCode === wardCode).map((a) => a.code))
  return p.figures
    .map((t) => ({
      characteristic: t.characteristic,
      rows: t.categories.map((category, i) => ({
        characteristic: t.characteristic,
        category,
        count: t.areas.filter(([code]) => lsoas.has(code)).reduce((s, [, counts]) => s + counts[i]!, 0),
        universe: t.universe,
      })),
    }))
    .sort((a, b) => a.characteristic.localeCompare(b.characteristic))
    .flatMap((t) => t.rows)
}

for (const kind of await testDatabases()) {
  describe(`reference figures on ${kind.dialect}`, () => {
    let t: TestApp
    let wardId: number
    before(async () => {
      t = await startTestApp(kind)
      wardId = (await findWardByCode(t.testDb.db, NORBITON))!.id
    })
    after(async () => {
      await t.stop()
    })

    test('the seed pack loads Norbiton figures, summed over its six LSOAs in source category order', async () => {
      const figures = await listWardFigures(t.testDb.db, wardId)
      assert.deepEqual(figures, expectedWardTotals(pack, NORBITON))
      assert.deepEqual(
        figures.filter((f) => f.characteristic === 'sex'),
        [
          { characteristic: 'sex', category: 'Female', count: 5879, universe: 'persons' },
          { characteristic: 'sex', category: 'Male', count: 5308, universe: 'persons' },
        ],
      )
      // Every household table counts the same households. ONS perturbs small cells, so tables agree to within a
      // few households (Norbiton: tenure TS054 4,160, household deprivation TS011 4,157), not exactly.
      const tenureTotal = figures.filter((f) => f.characteristic === 'tenure').reduce((s, f) => s + f.count, 0)
      assert.equal(tenureTotal, 4160)
      const householdTables = new Set(figures.filter((f) => f.universe === 'households').map((f) => f.characteristic))
      assert.deepEqual([...householdTables].sort(), ['household_deprivation', 'tenure'])
      for (const characteristic of householdTables) {
        const total = figures.filter((f) => f.characteristic === characteristic).reduce((s, f) => s + f.count, 0)
        assert.ok(Math.abs(total - tenureTotal) <= tenureTotal * 0.005, `${characteristic}: ${total}`)
      }
      const age = await listAreaFigures(t.testDb.db, wardId, 'age')
      assert.equal(age.length, 6 * 6)
      assert.deepEqual(age[0], {
        areaCode: 'E01002969',
        characteristic: 'age',
        category: 'Aged 15 years and under',
        count: 471,
        universe: 'persons',
      })
    })

    test('re-importing replaces a ward’s figures rather than adding to them', async () => {
      const before = await listWardFigures(t.testDb.db, wardId)
      const summary = await importGeographyPack(t.testDb.db, pack, t.tenant)
      assert.equal(
        summary.figures,
        pack.figures.reduce((s, f) => s + f.areas.length * f.categories.length, 0),
      )
      assert.deepEqual(await listWardFigures(t.testDb.db, wardId), before)
      const withoutFigures = await importGeographyPack(t.testDb.db, { ...pack, figures: [] }, t.tenant)
      assert.equal(withoutFigures.figures, 0)
      assert.deepEqual(await listWardFigures(t.testDb.db, wardId), [])
      await importGeographyPack(t.testDb.db, pack, t.tenant)
    })

    test('the ward page shows who lives here from the stored figures, with shares and sources', async () => {
      const res = await t.app.inject(`/wards/${NORBITON}`)
      assert.equal(res.statusCode, 200)
      assert.match(res.body, /<h2 class="govuk-heading-m" id="who-lives-here">Who lives here<\/h2>/)
      assert.match(res.body, /Sex in Norbiton/)
      // 5,879 of 11,187 residents in TS008 are female: 52.6%.
      assert.match(res.body, /Female<\/th>\s*<td[^>]*>5,879<\/td>\s*<td[^>]*>52\.6%<\/td>/)
      assert.match(res.body, /Tenure \(households\) in Norbiton/)
      assert.match(
        res.body,
        /Source: Census 2021 TS008 Sex\. Office for National Statistics, Open Government Licence v3\.0\./,
      )
      // sex, age, ethnic group, religion, disability, tenure and household deprivation
      assert.equal((res.body.match(/id="figures-[a-z_]+-caption"/g) ?? []).length, 7)
    })
  })
}
