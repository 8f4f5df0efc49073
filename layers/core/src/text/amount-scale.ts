/** Multipliers of amount suffixes in free text ("$2M", "800k", "1.5 billion"), shared by every parser. */
export const AMOUNT_SCALE: Readonly<Record<string, number>> = {
  k: 1e3,
  thousand: 1e3,
  m: 1e6,
  mm: 1e6,
  mn: 1e6,
  million: 1e6,
  b: 1e9,
  bn: 1e9,
  billion: 1e9,
  trillion: 1e12,
};
