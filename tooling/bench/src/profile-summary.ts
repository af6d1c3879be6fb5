/**
 * Top frames of a V8 CPU profile (`--cpu-prof` output, e.g. from `pnpm bench --profile DIR`):
 *   node --import tsx tooling/bench/src/profile-summary.ts FILE.cpuprofile [top=25] [callers-of=NAME]
 * Prints self time per function and per file/package, so a profile can be quoted in a note; with a function
 * name, also the call paths (4 frames up) its self time comes from.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg, callersOf] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: profile-summary.ts FILE.cpuprofile [top]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const selfUs = new Map<number, number>();
for (const [index, id] of profile.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

function where(url: string): string {
  if (!url) return '(native)';
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (pnpm) return `${pnpm[1]}/${pnpm[2]}`;
  const repo = /\/work\/main\/(.*)$/.exec(url) ?? /(node:.*)$/.exec(url);
  return repo ? repo[1]! : url;
}

const byFrame = new Map<string, number>();
const byFile = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  const name = node.callFrame.functionName || '(anonymous)';
  const location = where(node.callFrame.url);
  const frameKey = `${name}  ${location}:${node.callFrame.lineNumber + 1}`;
  byFrame.set(frameKey, (byFrame.get(frameKey) ?? 0) + us);
  const fileKey = location.startsWith('(') ? `${name}` : location.replace(/^((?:@[^/]+\/)?[^/]+)\/.*$/, (all, pkg: string) => (all.startsWith('packages/') || all.startsWith('node:') ? all : pkg));
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
}

const print = (title: string, map: Map<string, number>) => {
  process.stdout.write(`\n${title} (total ${(totalUs / 1000).toFixed(0)} ms sampled)\n`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}\n`);
  }
};
print('self time by function', byFrame);
if (callersOf) {
  const paths = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (byId.get(id)!.callFrame.functionName !== callersOf) continue;
    const chain: string[] = [];
    for (let at = parentOf.get(id); at !== undefined && chain.length < Number(process.env.DEPTH ?? 4); at = parentOf.get(at)) {
      const frame = byId.get(at)!.callFrame;
      chain.push(`${frame.functionName || '(anonymous)'}@${where(frame.url).split('/').pop()}:${frame.lineNumber + 1}`);
    }
    const key = chain.join(' < ');
    paths.set(key, (paths.get(key) ?? 0) + us);
  }
  print(`callers of ${callersOf}`, paths);
}
print('self time by file / package', byFile);
