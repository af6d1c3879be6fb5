import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** tooling/bench/src */
export const SRC_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(SRC_DIR, '../../..');
/** The peers' harness (Celery and BullMQ), read-only; `--compare` runs a copy of it. */
export const PEERS_DIR = process.env.TQ_BENCH_PEERS_DIR ?? resolve(REPO_ROOT, '../shared/bench/peers');
