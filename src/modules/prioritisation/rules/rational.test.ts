import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { Rational } from './rational.js'

const small = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n })
const positive = fc.bigInt({ min: 1n, max: 10n ** 30n })
const rational = fc.tuple(small, positive).map(([n, d]) => Rational.of(n, d))

describe('Rational', () => {
  test('keeps values in lowest terms with a positive denominator', () => {
    const r = Rational.of(6, -4)
    assert.equal(r.num, -3n)
    assert.equal(r.den, 2n)
    assert.ok(Rational.of(2, 4).equals(Rational.of(1, 2)))
  })

  test('parses decimals exactly, with a comma as decimal separator too', () => {
    assert.equal(Rational.parse('1546168.66')?.toString(), '77308433/50')
    assert.equal(Rational.parse('0,75')?.toString(), '3/4')
    assert.equal(Rational.parse(' -2.5 ')?.toString(), '-5/2')
    assert.equal(Rational.parse('7/21')?.toString(), '1/3')
    for (const bad of ['', 'abc', '1e3', '1.2.3', '.', '1/0', 'NaN']) assert.equal(Rational.parse(bad), undefined, bad)
  })

  test('writes terminating decimals exactly and rounds the others', () => {
    assert.equal(Rational.parse('1546168.66')?.toDecimalString(), '1546168.66')
    assert.equal(Rational.of(1, 3).toDecimalString(2), '0.33')
    assert.equal(Rational.of(2, 3).toDecimalString(2), '0.67')
    assert.equal(Rational.of(-1, 8).toDecimalString(), '-0.125')
    assert.equal(Rational.of(5).toDecimalString(), '5')
    assert.ok(!Rational.of(1, 3).isTerminatingDecimal())
  })

  test('0.1 + 0.2 is exactly 0.3, unlike binary floating point', () => {
    const sum = Rational.parse('0.1')?.add(Rational.parse('0.2') ?? Rational.ZERO)
    assert.ok(sum?.equals(Rational.parse('0.3') ?? Rational.ONE))
  })

  test('toNumber stays accurate far beyond the double range of numerator and denominator', () => {
    const huge = 10n ** 400n
    assert.ok(Math.abs(Rational.of(huge + 1n, 3n * huge).toNumber() - 1 / 3) < 1e-15)
    assert.ok(Math.abs(Rational.of(-7n * huge, 2n * huge).toNumber() + 3.5) < 1e-15)
  })

  test('arithmetic agrees with cross-multiplication', () => {
    fc.assert(
      fc.property(rational, rational, (a, b) => {
        assert.ok(a.add(b).sub(b).equals(a))
        if (!b.isZero()) assert.ok(a.mul(b).div(b).equals(a))
        const cross = a.num * b.den - b.num * a.den
        assert.equal(a.compare(b), cross < 0n ? -1 : cross > 0n ? 1 : 0)
        assert.equal(a.lt(b), cross < 0n)
      }),
    )
  })

  test('a terminating decimal survives writing and parsing', () => {
    fc.assert(
      fc.property(small, fc.integer({ min: 0, max: 12 }), (n, digits) => {
        const r = Rational.of(n, 10n ** BigInt(digits))
        assert.ok(Rational.parse(r.toDecimalString())?.equals(r))
      }),
    )
  })

  test('floor rounds towards minus infinity', () => {
    assert.equal(Rational.of(7, 2).floor(), 3n)
    assert.equal(Rational.of(-7, 2).floor(), -4n)
    assert.equal(Rational.of(-4).floor(), -4n)
  })
})
