/**
 * Seeded pseudo-random numbers for the generator (never Math.random: the same seed and options
 * must give byte-identical files).
 *
 * sfc32 is small, fast in V8 (32-bit integer ops only) and passes PractRand to 2^40+ bytes,
 * which is far beyond what one run draws. Independent streams (per file, per purpose) are seeded
 * by hashing the run seed with a label, so adding a file or changing the chunk size never shifts
 * the numbers another stream sees.
 */

/** murmur3's 32-bit finalizer: spreads every input bit over the output. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a sequence of numbers and strings (seed derivation, not cryptography). */
export function hashSeed(...parts: ReadonlyArray<number | string>): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const text = typeof part === 'number' ? `#${part}` : `$${part}`;
    for (let i = 0; i < text.length; i++) h = fmix32(h ^ Math.imul(text.charCodeAt(i), 0x01000193));
    h = fmix32(h + 0x6d2b79f5);
  }
  return h;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    // Recommended warm-up so that similar seeds diverge before the first output is used.
    for (let i = 0; i < 15; i++) this.uint32();
  }

  /** Uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [0, n) for 0 < n <= 2^32 (float scaling: bias below n / 2^32). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
}
