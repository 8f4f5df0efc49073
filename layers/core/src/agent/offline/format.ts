/** Human formatting of figures in offline rationales. */
export function money(value: number): string {
  const sign = value < 0 ? '−' : '';
  const v = Math.abs(value);
  if (v >= 1e9) return `${sign}$${(v / 1e9).toFixed(2)}B`;
  if (v >= 1e6) return `${sign}$${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e3) return `${sign}$${(v / 1e3).toFixed(0)}k`;
  return `${sign}$${v.toFixed(0)}`;
}

export function pct(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)}%`;
}

export function years(value: number): string {
  return `${value.toFixed(1)} years`;
}

export function sentenceCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Money with an explicit sign for changes: +$166k, −$442k. */
export function signedMoney(value: number): string {
  return value > 0 ? `+${money(value)}` : money(value);
}
