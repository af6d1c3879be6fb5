import { crc32 } from 'node:zlib';

/**
 * Which server holds a key, the way python-memcached (Debian's python3-memcache, which Celery's cache backend uses
 * when pylibmc is absent) chooses: `((crc32(key) >> 16) & 0x7fff) || 1`, modulo the number of servers (all of
 * weight 1, in URL order). With the same server list, tq and Celery then read and write the same server for
 * every key. (python-memcached re-hashes past a dead server; we do not, so a dead server fails its keys.)
 */
export function pythonMemcachedServerIndex(key: string, serverCount: number): number {
  if (serverCount <= 1) return 0;
  const hash = (crc32(key) >>> 16) & 0x7fff || 1;
  return hash % serverCount;
}
