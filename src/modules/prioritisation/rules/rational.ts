/**
 * Exact rational numbers over bigint, always kept in lowest terms with a positive denominator.
 *
 * Counting rules must never decide with binary floating point: Method of Equal Shares ties are exact
 * equalities, and budgets can be decimals such as 1546168.66 (see ../shared/notes/pb-algorithms.md §6.2).
 * Keeping every value reduced makes equality a field comparison and keeps the bigints small.
 */
export class Rational {
  static readonly ZERO = new Rational(0n, 1n)
  static readonly ONE = new Rational(1n, 1n)

  private constructor(
    readonly num: bigint,
    readonly den: bigint,
  ) {}

  /** `Rational.of(3)`, `Rational.of(1n, 3n)`; numbers must be safe integers. */
  static of(num: bigint | number, den: bigint | number = 1n): Rational {
    const n = toBigInt(num)
    const d = toBigInt(den)
    if (d === 0n) throw new RangeError('Rational with zero denominator')
    return Rational.normalise(n, d)
  }

  /**
   * Parses a decimal such as `1546168.66`, `-2.5` or `0,75` (comma as decimal separator, as pabutools
   * accepts), or a fraction `a/b`. No exponents. Returns undefined for anything else.
   */
  static parse(text: string): Rational | undefined {
    const s = text.trim().replace(',', '.')
    const fraction = /^([+-]?\d+)\s*\/\s*(\d+)$/.exec(s)
    if (fraction) {
      const den = BigInt(fraction[2] ?? '0')
      return den === 0n ? undefined : Rational.normalise(BigInt(fraction[1] ?? '0'), den)
    }
    const decimal = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s)
    if (!decimal) return undefined
    const intPart = decimal[2] ?? ''
    const fracPart = decimal[3] ?? ''
    if (intPart === '' && fracPart === '') return undefined
    const magnitude = BigInt((intPart || '0') + fracPart)
    return Rational.normalise(decimal[1] === '-' ? -magnitude : magnitude, 10n ** BigInt(fracPart.length))
  }

  private static normalise(num: bigint, den: bigint): Rational {
    if (den < 0n) {
      num = -num
      den = -den
    }
    if (den === 1n) return new Rational(num, 1n)
    if (num === 0n) return Rational.ZERO
    const g = gcd(num < 0n ? -num : num, den)
    return g === 1n ? new Rational(num, den) : new Rational(num / g, den / g)
  }

  add(other: Rational): Rational {
    if (this.den === other.den) return Rational.normalise(this.num + other.num, this.den)
    return Rational.normalise(this.num * other.den + other.num * this.den, this.den * other.den)
  }

  sub(other: Rational): Rational {
    if (this.den === other.den) return Rational.normalise(this.num - other.num, this.den)
    return Rational.normalise(this.num * other.den - other.num * this.den, this.den * other.den)
  }

  mul(other: Rational): Rational {
    return Rational.normalise(this.num * other.num, this.den * other.den)
  }

  /** Multiplies by an integer without building a Rational for it. */
  mulInt(k: bigint | number): Rational {
    return Rational.normalise(this.num * toBigInt(k), this.den)
  }

  div(other: Rational): Rational {
    if (other.num === 0n) throw new RangeError('Rational division by zero')
    return Rational.normalise(this.num * other.den, this.den * other.num)
  }

  /** Divides by a non-zero integer without building a Rational for it. */
  divInt(k: bigint | number): Rational {
    const d = toBigInt(k)
    if (d === 0n) throw new RangeError('Rational division by zero')
    return Rational.normalise(this.num, this.den * d)
  }

  /** -1, 0 or 1, by cross-multiplication (denominators are positive). */
  compare(other: Rational): -1 | 0 | 1 {
    const left = this.den === other.den ? this.num : this.num * other.den
    const right = this.den === other.den ? other.num : other.num * this.den
    return left < right ? -1 : left > right ? 1 : 0
  }

  equals(other: Rational): boolean {
    return this.num === other.num && this.den === other.den
  }

  lt(other: Rational): boolean {
    return this.compare(other) < 0
  }

  le(other: Rational): boolean {
    return this.compare(other) <= 0
  }

  gt(other: Rational): boolean {
    return this.compare(other) > 0
  }

  ge(other: Rational): boolean {
    return this.compare(other) >= 0
  }

  sign(): -1 | 0 | 1 {
    return this.num < 0n ? -1 : this.num > 0n ? 1 : 0
  }

  isZero(): boolean {
    return this.num === 0n
  }

  isInteger(): boolean {
    return this.den === 1n
  }

  /** Largest integer ≤ this. */
  floor(): bigint {
    const q = this.num / this.den
    return this.num < 0n && q * this.den !== this.num ? q - 1n : q
  }

  min(other: Rational): Rational {
    return this.le(other) ? this : other
  }

  max(other: Rational): Rational {
    return this.ge(other) ? this : other
  }

  /** `3`, `-7/2`: exact and parseable by `Rational.parse`. */
  toString(): string {
    return this.den === 1n ? this.num.toString() : `${this.num}/${this.den}`
  }

  /** Whether the value has a finite decimal expansion (denominator of the form 2^a·5^b). */
  isTerminatingDecimal(): boolean {
    let d = this.den
    while (d % 2n === 0n) d /= 2n
    while (d % 5n === 0n) d /= 5n
    return d === 1n
  }

  /**
   * Exact decimal text (`1546168.66`) when the expansion terminates; otherwise rounded half away from
   * zero to `maxFractionDigits` digits. For display and for writing `.pb` files, never for decisions.
   */
  toDecimalString(maxFractionDigits = 20): string {
    const negative = this.num < 0n
    const abs = negative ? -this.num : this.num
    let digits = 0
    let scale = 1n
    while (digits < maxFractionDigits && (abs * scale) % this.den !== 0n) {
      digits++
      scale *= 10n
    }
    const scaled = (abs * scale * 2n + this.den) / (2n * this.den)
    const text = scaled.toString().padStart(digits + 1, '0')
    const body = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`
    return negative && scaled !== 0n ? `-${body}` : body
  }

  /**
   * A double within a few ulps of the value (relative error below 1e-15), even when numerator and
   * denominator are far beyond the double range. Rules use it only as a filter: a decision taken on
   * doubles is one whose margin dwarfs this error; anything closer is decided exactly.
   */
  toNumber(): number {
    const negative = this.num < 0n
    let num = negative ? -this.num : this.num
    let den = this.den
    let exponent = 0
    const numBits = bitLength(num)
    const denBits = bitLength(den)
    if (numBits > 64) {
      num >>= BigInt(numBits - 64)
      exponent += numBits - 64
    }
    if (denBits > 64) {
      den >>= BigInt(denBits - 64)
      exponent -= denBits - 64
    }
    const value = (Number(num) / Number(den)) * 2 ** exponent
    return negative ? -value : value
  }
}

function toBigInt(value: bigint | number): bigint {
  if (typeof value === 'bigint') return value
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`)
  return BigInt(value)
}

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(16).length * 4
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) {
    const t = a % b
    a = b
    b = t
  }
  return a
}

/** Sum of a list of rationals (zero for the empty list). */
export function sumRationals(values: Iterable<Rational>): Rational {
  let total = Rational.ZERO
  for (const v of values) total = total.add(v)
  return total
}
