/**
 * Reads a `.cpuprofile` (from `node --cpu-prof`, e.g. a service started with BENCH_SERVICE_NODE_ARGS) and
 * prints where the CPU went: self time by function and by package or source file, and the inclusive time
 * of the functions that matter (each function counted once per sample, however deep it recurses).
 *
 *   node dist/bench/support/cpu-profile-summary.js <file.cpuprofile> [--since <s>] [--until <s>] [--top <n>] [--match <text>]
 *
 * --since/--until keep the samples of that window (seconds from the profile's start: leave out start-up
 * and set-up); a timeline of busy samples per second is printed first to choose it. --match limits the
 * inclusive table to frames whose function or file contains the text. --callers <text> adds a table of
 * the repository's own frames (dist/) nearest to the frames matching the text: who runs them.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
if (!file) {
  console.error('usage: cpu-profile-summary <file.cpuprofile> [--since <s>] [--until <s>] [--top <n>] [--match <text>]');
  process.exit(2);
}
const since = Number(option('since') ?? 0) * 1e6;
const until = Number(option('until') ?? Infinity) * 1e6;
const top = Number(option('top') ?? 40);
const match = option('match');
const callersOf = option('callers');

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** `pkg` for a file under node_modules (scoped packages too), else the path from the repository's dist. */
function placeOf(url: string): string {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url;
  const dist = url.indexOf('/dist/');
  return dist === -1 ? url : url.slice(dist + 1);
}
const frameName = (f: CallFrame): string => `${f.functionName || '(anonymous)'} ${placeOf(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
const IDLE = new Set(['(idle)', '(program)', '(garbage collector)']);

const self = new Map<string, number>();
const place = new Map<string, number>();
const inclusive = new Map<string, number>();
const timeline = new Map<number, number>();
const callers = new Map<string, number>();
let busy = 0;
let total = 0;
let t = 0;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i] ?? 0;
  if (t < since || t > until) continue;
  const dt = profile.timeDeltas[i + 1] ?? 0; // the time until the next sample is this sample's
  const node = byId.get(profile.samples[i]!)!;
  const fn = node.callFrame.functionName;
  total += dt;
  if (fn === '(idle)') continue;
  const second = Math.floor(t / 1e6);
  timeline.set(second, (timeline.get(second) ?? 0) + dt);
  busy += dt;
  self.set(frameName(node.callFrame), (self.get(frameName(node.callFrame)) ?? 0) + dt);
  const where = IDLE.has(fn) ? fn : placeOf(node.callFrame.url);
  place.set(where, (place.get(where) ?? 0) + dt);
  const seen = new Set<string>();
  let matched = false;
  let caller: string | undefined;
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const frame = byId.get(id)!.callFrame;
    const name = frameName(frame);
    if (callersOf && !matched && name.includes(callersOf)) matched = true;
    else if (matched && caller === undefined && placeOf(frame.url).startsWith('dist/')) caller = name;
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
  }
  if (matched) callers.set(caller ?? '(none of ours)', (callers.get(caller ?? '(none of ours)') ?? 0) + dt);
}

const pct = (v: number) => `${((v / busy) * 100).toFixed(1).padStart(5)} %`;
const ms = (v: number) => `${(v / 1000).toFixed(0).padStart(7)} ms`;
const print = (title: string, map: Map<string, number>, filter: (k: string) => boolean = () => true) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...map].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)} ${pct(v)}  ${k}`);
};

console.log(`${file}: ${(total / 1e6).toFixed(1)} s in the window, busy ${(busy / 1e6).toFixed(1)} s (percentages are of busy time)`);
console.log(`busy ms per second: ${[...timeline].sort((a, b) => a[0] - b[0]).map(([s, v]) => `${s}:${Math.round(v / 1000)}`).join(' ')}`);
print('self time by package or file', place);
print('self time by function', self);
print('inclusive time by function', inclusive, match ? (k) => k.includes(match) : (k) => !k.startsWith('(root)'));
if (callersOf) print(`our frames nearest to ${callersOf}`, callers);
