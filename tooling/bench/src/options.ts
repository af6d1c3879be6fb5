import { BROKERS, type BrokerName } from './targets.js';

export const WORKLOADS = ['w1', 'w2', 'w3'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface BenchOptions {
  brokers: BrokerName[];
  workloads: WorkloadName[];
  n: number;
  n3: number;
  reps: number;
  quick: boolean;
  compare: boolean;
  /** SYSTEMS for the peer harness (`bullmq celery-amqp celery-redis`). */
  peers: string;
  profileDir: string | undefined;
  out: string | undefined;
  /** W2 worker concurrencies (async pool, prefetch = 4 × concurrency). */
  concurrency: number[];
}

export const USAGE = `pnpm bench [options]      tq on SQLite, Redis, RabbitMQ and SQS: W1 enqueue, W2 drain, W3 round trip

  --only LIST       brokers, comma-separated: ${BROKERS.join(',')} (default: all)
  --workloads LIST  w1,w2,w3 (default: all)
  --reps N          repetitions; every figure is the median over them (default 3)
  --quick           smoke run: N=2000, 200 round trips, 1 rep (peers too)
  --n N / --n3 N    tasks for W1/W2 (default 20000), round trips for W3 (default 1000)
  --compare         also run the Celery/BullMQ harness (../shared/bench/peers) and print ratios
  --peers LIST      which peers with --compare (default "bullmq,celery-amqp,celery-redis")
  --concurrency LIST  W2 worker concurrencies to run (default 100), e.g. 10,100,500
  --profile DIR     write CPU profiles of every worker child (first task to last) into DIR
  --out FILE        also write the JSON lines to FILE (default: a file in the OS temp dir)

stdout: one JSON line per result (the peer harness's shape); stderr: progress and the tables.`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    brokers: [...BROKERS],
    workloads: [...WORKLOADS],
    n: 20_000,
    n3: 1000,
    reps: 3,
    quick: false,
    compare: false,
    peers: 'bullmq,celery-amqp,celery-redis',
    profileDir: undefined,
    out: undefined,
    concurrency: [100],
  };
  const explicit = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      explicit.add(flag);
      return next;
    };
    switch (flag) {
      case '--':
        break;
      case '--only':
        options.brokers = list(value(), BROKERS, flag);
        break;
      case '--workloads':
        options.workloads = list(value(), WORKLOADS, flag);
        break;
      case '--reps':
        options.reps = positive(value(), flag);
        break;
      case '--n':
        options.n = positive(value(), flag);
        break;
      case '--n3':
        options.n3 = positive(value(), flag);
        break;
      case '--quick':
        options.quick = true;
        break;
      case '--compare':
        options.compare = true;
        break;
      case '--peers':
        options.peers = value();
        break;
      case '--concurrency':
        options.concurrency = value()
          .split(',')
          .map((item) => positive(item.trim(), flag));
        break;
      case '--profile':
        options.profileDir = value();
        break;
      case '--out':
        options.out = value();
        break;
      case '--help':
      case '-h':
        throw new HelpRequested();
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  if (options.quick) {
    if (!explicit.has('--n')) options.n = 2000;
    if (!explicit.has('--n3')) options.n3 = 200;
    if (!explicit.has('--reps')) options.reps = 1;
  }
  return options;
}

export class HelpRequested extends Error {}

function list<T extends string>(value: string, allowed: readonly T[], flag: string): T[] {
  const items = value.split(',').map((item) => item.trim().toLowerCase()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`${flag}: unknown ${item} (one of ${allowed.join(', ')})`);
  return items as T[];
}

function positive(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${flag} must be a positive integer, got ${value}`);
  return parsed;
}
