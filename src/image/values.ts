// Readers for the values of image labels: CPUs, sizes in MiB, ports, paths, URLs, dates,
// text. Pure. Each answers the value, or the stable code and the rule the text breaks, so
// a problem can say exactly what is expected.

export type ValueResult<T> = { ok: true; value: T } | { ok: false; code: string; rule: string };

const ok = <T>(value: T): ValueResult<T> => ({ ok: true, value });
const bad = (code: string, rule: string): ValueResult<never> => ({ ok: false, code, rule });

const DECIMAL = /^[0-9]+(?:\.[0-9]+)?$/;

export const CPUS_RANGE = { min: 0.01, max: 256 } as const;

/** A number of CPUs: a plain decimal such as `0.5` or `2`. */
export function readCpus(text: string): ValueResult<number> {
  if (!DECIMAL.test(text)) return bad('not-a-number', 'a decimal number of CPUs, such as 0.5 or 2 (no unit)');
  const n = Number(text);
  if (n < CPUS_RANGE.min || n > CPUS_RANGE.max) return bad('out-of-range', `a number of CPUs from ${CPUS_RANGE.min} to ${CPUS_RANGE.max}`);
  return ok(n);
}

/** Binary units accepted after a size, in MiB. */
const MIB_PER_UNIT: Readonly<Record<string, number>> = {
  '': 1,
  Ki: 1 / 1024,
  KiB: 1 / 1024,
  Mi: 1,
  MiB: 1,
  Gi: 1024,
  GiB: 1024,
  Ti: 1024 * 1024,
  TiB: 1024 * 1024,
};

/** Units that mean 1000^n to some tools and 1024^n to others (Docker reads `512m` as MiB). */
const AMBIGUOUS_UNITS = /^(?:b|k|kb|m|mb|g|gb|t|tb)$/i;

const SIZE = /^([0-9]+(?:\.[0-9]+)?)([A-Za-z]*)$/;

const SIZE_RULE = 'a size in MiB: a number (MiB), or a number with Ki, Mi, Gi or Ti (binary units), such as 512, 512Mi or 2Gi';

/** A size in whole MiB, between `min` and `max` MiB. */
export function readMebibytes(text: string, min: number, max: number): ValueResult<number> {
  const m = SIZE.exec(text);
  if (!m) return bad('not-a-size', SIZE_RULE);
  const [, number, unit] = m as unknown as [string, string, string];
  const factor = MIB_PER_UNIT[unit];
  if (factor === undefined) {
    if (AMBIGUOUS_UNITS.test(unit)) {
      return bad('ambiguous-unit', `unit "${unit}" is ambiguous (1000 or 1024?): ${SIZE_RULE}`);
    }
    return bad('unknown-unit', `unknown unit "${unit}": ${SIZE_RULE}`);
  }
  const mib = Number(number) * factor;
  if (!Number.isInteger(mib)) return bad('not-whole-mib', `a whole number of MiB (${text} is ${mib} MiB)`);
  if (mib < min || mib > max) return bad('out-of-range', `a size from ${min} to ${max} MiB (${text} is ${mib} MiB)`);
  return ok(mib);
}

/** A TCP port: a whole number from 1 to 65535. */
export function readPort(text: string): ValueResult<number> {
  if (!/^[1-9][0-9]{0,4}$/.test(text) || Number(text) > 65535) return bad('not-a-port', 'a port number: a whole number from 1 to 65535');
  return ok(Number(text));
}

const MAX_PATH = 1024;

/** An HTTP request path such as `/health` or `/status?full=1`. */
export function readHttpPath(text: string): ValueResult<string> {
  if (!text.startsWith('/')) return bad('not-a-path', 'an absolute HTTP path starting with "/", such as /health');
  if (!/^\/[!-~]*$/.test(text)) return bad('not-a-path', 'an HTTP path of printable ASCII without spaces (percent-encode others)');
  if (text.includes('#')) return bad('not-a-path', 'an HTTP path without a "#fragment" (a fragment is never sent to the server)');
  if (text.length > MAX_PATH) return bad('too-long', `at most ${MAX_PATH} characters`);
  return ok(text);
}

const MAX_URL = 2048;

/**
 * An absolute URL with one of `schemes`. Links are shown in status pages and portals, so a
 * `javascript:` or `data:` URL is refused, not merely displayed.
 */
export function readUrl(text: string, schemes: readonly string[]): ValueResult<string> {
  const rule = `an absolute ${schemes.join(', ')} URL`;
  if (text.length > MAX_URL) return bad('too-long', `at most ${MAX_URL} characters`);
  if (/\s/.test(text)) return bad('not-a-url', `${rule}, without spaces`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return bad('not-a-url', rule);
  }
  const scheme = url.protocol.slice(0, -1);
  if (!schemes.includes(scheme)) return bad('unsupported-scheme', `${rule}, not ${scheme}:`);
  if (url.hostname === '') return bad('not-a-url', `${rule} with a host`);
  return ok(text);
}

const RFC3339 = /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})$/;

/** A date and time as RFC 3339 writes it: `2024-05-01T12:00:00Z`. */
export function readDateTime(text: string): ValueResult<string> {
  const m = RFC3339.exec(text);
  if (!m || Number.isNaN(Date.parse(text.replace(' ', 'T')))) {
    return bad('not-a-date', 'an RFC 3339 date and time, such as 2024-05-01T12:00:00Z');
  }
  const [, , month = 0, day = 0, hour = 0, minute = 0, second = 0] = m.map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad('not-a-date', 'an RFC 3339 date and time, such as 2024-05-01T12:00:00Z');
  }
  return ok(text);
}

/** One line of text of at most `max` characters. */
export function readLine(text: string, max: number): ValueResult<string> {
  if (/[\u0000-\u001f\u007f]/.test(text)) return bad('control-characters', 'one line of text, without control characters');
  if (text.length > max) return bad('too-long', `at most ${max} characters (it has ${text.length})`);
  return ok(text);
}

/** Free text (line breaks and tabs allowed) of at most `max` characters. */
export function readText(text: string, max: number): ValueResult<string> {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text))
    return bad('control-characters', 'text without control characters other than line breaks and tabs');
  if (text.length > max) return bad('too-long', `at most ${max} characters (it has ${text.length})`);
  return ok(text);
}
