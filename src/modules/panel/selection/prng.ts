import { createHash, randomBytes } from 'node:crypto'

/**
 * Deterministic, verifiable random numbers from a seed string.
 *
 * Block b (b = 0, 1, 2, …) is SHA-256 of the UTF-8 string `${seed}:${b}`. Each 32-byte block yields four numbers:
 * read 8 bytes big-endian as an unsigned 64-bit integer x and output floor(x / 2^11) / 2^53, a uniform number in
 * [0, 1) with 53 random bits. An integer in [0, m) is floor(u·m). Anyone can recompute a draw from the published
 * seed with any SHA-256 implementation; this is not meant to hide the seed, which is public after the draw.
 */
export class SeededRandom {
  private block = 0
  private buffer: Buffer = Buffer.alloc(0)
  private offset = 32
  /** How many numbers have been drawn so far. */
  count = 0

  constructor(readonly seed: string) {}

  next(): number {
    if (this.offset >= 32) {
      this.buffer = createHash('sha256').update(`${this.seed}:${this.block}`, 'utf8').digest()
      this.block++
      this.offset = 0
    }
    const hi = this.buffer.readUInt32BE(this.offset)
    const lo = this.buffer.readUInt32BE(this.offset + 4)
    this.offset += 8
    this.count++
    return (hi * 2 ** 21 + (lo >>> 11)) / 2 ** 53
  }

  /** Uniform integer in [0, m). */
  int(m: number): number {
    return Math.min(m - 1, Math.floor(this.next() * m))
  }
}

/** A fresh seed for when the caller gives none: 128 bits from the OS CSPRNG, hex encoded. */
export function randomSeed(): string {
  return randomBytes(16).toString('hex')
}
