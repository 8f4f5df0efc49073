import { ValidationError } from '../errors';

/** Keyset position: the last row's created_at (microsecond text, as Postgres has it) and decision_id. */
export interface Cursor {
  t: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.t, c.id]), 'utf8').toString('base64url');
}

export function decodeCursor(s: string): Cursor {
  const bad = () =>
    new ValidationError('Invalid cursor', [
      { in: 'query', path: 'cursor', message: 'not a cursor this API issued' },
    ]);
  if (s.length > 200 || !/^[A-Za-z0-9_-]+$/.test(s)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(v) || v.length !== 2) throw bad();
  const [t, id] = v as unknown[];
  if (typeof t !== 'string' || typeof id !== 'string' || !TS.test(t) || !UUID.test(id)) throw bad();
  if (!isRealInstant(t)) throw bad();
  return { t, id };
}

/**
 * A well-formed timestamp can still name no instant (month 13, 30 February, 25:00): the database would
 * refuse it with an error. It must round-trip through Date to the second, within years 1970..9999.
 */
function isRealInstant(t: string): boolean {
  const year = Number(t.slice(0, 4));
  if (year < 1970 || year > 9999) return false;
  const ms = Date.parse(`${t.slice(0, 19)}Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 19) === t.slice(0, 19);
}
