// What a container of the final stage of a Dockerfile starts with: working directory, user, environment
// and COPY sources. Enough of Dockerfile syntax for deploy/Dockerfile (no line continuations inside ENV).
import { readFileSync } from 'node:fs';

export interface DockerfileStage {
  from: string;
  name?: string;
  workdir: string;
  user: string;
  env: Record<string, string>;
  copies: { from?: string; sources: string[]; target: string }[];
  instructions: string[];
}

function logicalLines(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function parseEnv(args: string, env: Record<string, string>): void {
  if (!args.includes('=')) {
    const [key, ...rest] = args.split(/\s+/);
    env[key!] = rest.join(' ');
    return;
  }
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    env[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
  }
}

/** The stages of the Dockerfile, in order; the last one is what `docker run` starts. */
export function readDockerfileStages(file: string): DockerfileStage[] {
  const stages: DockerfileStage[] = [];
  const args: Record<string, string> = {};
  for (const line of logicalLines(readFileSync(file, 'utf8'))) {
    const [instruction, ...rest] = line.split(/\s+/);
    const argsText = rest.join(' ');
    const keyword = instruction!.toUpperCase();
    if (keyword === 'ARG' && stages.length === 0) {
      const [name, value] = argsText.split('=');
      args[name!] = value ?? '';
      continue;
    }
    if (keyword === 'FROM') {
      const [image, as, name] = argsText.replace(/\$\{(\w+)\}/g, (_, n: string) => args[n] ?? '').split(/\s+/);
      stages.push({ from: image!, ...(as?.toUpperCase() === 'AS' ? { name: name! } : {}), workdir: '/', user: 'root', env: {}, copies: [], instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) continue;
    stage.instructions.push(line);
    if (keyword === 'WORKDIR') stage.workdir = argsText.startsWith('/') ? argsText : `${stage.workdir.replace(/\/$/, '')}/${argsText}`;
    else if (keyword === 'USER') stage.user = argsText;
    else if (keyword === 'ENV') parseEnv(argsText, stage.env);
    else if (keyword === 'COPY') {
      const parts = rest.filter((p) => !p.startsWith('--') || p.startsWith('--from='));
      const from = parts.find((p) => p.startsWith('--from='))?.slice('--from='.length);
      const paths = parts.filter((p) => !p.startsWith('--from='));
      stage.copies.push({ ...(from ? { from } : {}), sources: paths.slice(0, -1), target: paths.at(-1)! });
    }
  }
  return stages;
}
