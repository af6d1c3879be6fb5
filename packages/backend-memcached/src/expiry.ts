/** memcached reads an expiry above 30 days as an absolute Unix time rather than a number of seconds from now. */
export const RELATIVE_EXPIRY_LIMIT_SECONDS = 60 * 60 * 24 * 30;

/**
 * The exptime to send for a TTL in ms: 0 (never) for 0, negative or non-finite TTLs; whole seconds (rounded up, at
 * least 1) up to 30 days; an absolute Unix time beyond, because memcached would otherwise take e.g. 31 days of
 * seconds for a date in 1970 and drop the value at once.
 */
export function memcachedExptime(ttlMs: number, nowMs = Date.now()): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) return 0;
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  if (seconds <= RELATIVE_EXPIRY_LIMIT_SECONDS) return seconds;
  return Math.min(0xffff_ffff, Math.ceil(nowMs / 1000) + seconds);
}
