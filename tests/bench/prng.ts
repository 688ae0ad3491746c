/**
 * A small, fast, seedable pseudo-random number generator (sfc32 seeded through splitmix32), so
 * that the benchmark workload is byte-for-byte the same on every run and every machine.
 *
 * It is not cryptographic; it only has to be deterministic and statistically decent.
 *
 * @example
 * const rng = createPrng(42);
 * rng.next();   // uniform in [0, 1)
 * rng.normal(); // standard normal
 */
export interface Prng {
  /** A uniform double in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** A uniform integer in [0, limit). */
  nextInt(limit: number): number;
  /** A standard normal deviate (mean 0, standard deviation 1), by the Box–Muller transform. */
  normal(): number;
}

/**
 * Creates a generator from a 32-bit seed. Two generators made from the same seed produce the same
 * sequence.
 */
export function createPrng(seed: number): Prng {
  // splitmix32 spreads a small seed (0, 1, 2, ...) over the whole state, so neighbouring seeds
  // give unrelated sequences.
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  let spare: number | undefined;

  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: sfc32 needs a few rounds to mix a fresh state.
  for (let i = 0; i < 12; i++) nextUint32();

  const next = (): number => nextUint32() / 4294967296;
  return {
    next,
    nextInt: (limit) => Math.floor(next() * limit),
    normal: () => {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      // 1 - next() is in (0, 1], so the logarithm is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      spare = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
  };
}
