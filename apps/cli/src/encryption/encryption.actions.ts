// The `encryption` commands' work (loaded only when such a command runs: it needs @app/platform).
import type { NodeStatus } from '@app/contracts';
import { loadEncryptionMaterial } from '@app/platform';
import type { CliIo } from '../cli-io.js';
import { cliName } from '../cli-name.util.js';
import { CliError, toCliError } from '../cli.error.js';
import { loadDeployment } from '../deployment/cli-deployment.js';
import { formatTable } from '../tokens/tokens.actions.js';
import { connectBus } from './bus-connection.js';
import { describeProfile } from './profile.formatter.js';
import { RolloutCoordinator } from './rollout.coordinator.js';

export interface EncryptionStatusFlags {
  json?: boolean;
  timeout: number;
}

export interface RolloutFlags {
  dryRun?: boolean;
  timeout: number;
}

async function prepare(io: CliIo) {
  const deployment = loadDeployment(io);
  let material;
  try {
    material = await loadEncryptionMaterial(deployment.config);
  } catch (e) {
    throw toCliError(e, { label: `configured in ${deployment.config.file}`, fromConfig: true });
  }
  const nc = await connectBus(deployment.config);
  if (!nc) throw new CliError(`cannot reach NATS at ${deployment.config.nats.servers.join(', ')}: the services are driven over it`);
  return { deployment, material, nc };
}

function nodeRows(nodes: NodeStatus[], target: string): string[][] {
  return nodes.map((n) => [
    n.service,
    n.instanceId,
    describeProfile(n.profile),
    n.profile.fingerprint === target ? 'yes' : 'NO',
    n.transition ? `${n.transition.phase} ${n.transition.from.fingerprint} → ${n.transition.to.fingerprint}` : '-',
    n.storedSecrets
      ? `${n.storedSecrets.notCurrent} to migrate${n.storedSecrets.unreadable ? `, ${n.storedSecrets.unreadable} unreadable` : ''}${n.storedSecrets.hashOnly ? `, ${n.storedSecrets.hashOnly} hash only` : ''}`
      : '?',
  ]);
}

/** `encryption status`: every running instance's settings next to what deployment.toml says. */
export async function encryptionStatus(io: CliIo, flags: EncryptionStatusFlags): Promise<void> {
  const { deployment, material, nc } = await prepare(io);
  let nodes: NodeStatus[];
  try {
    nodes = await new RolloutCoordinator(nc, flags.timeout, deployment.config.nats.subjectPrefix).discover();
  } finally {
    await nc.close();
  }
  const target = material.profile.fingerprint;
  if (flags.json) {
    io.stdout(`${JSON.stringify({ configured: material.profile, nodes }, null, 2)}\n`);
    return;
  }
  io.stdout(`deployment.toml (${deployment.config.file}): ${describeProfile(material.profile)}\n\n`);
  if (nodes.length === 0) {
    io.stdout('No service instance answered.\n');
    return;
  }
  io.stdout(formatTable(['service', 'instance', 'writes with', 'as configured', 'change in progress', 'stored values'], nodeRows(nodes, target)));
  const behind = nodes.filter((n) => n.profile.fingerprint !== target);
  io.stdout(behind.length === 0 ? '\nAll instances write as deployment.toml says.\n' : `\n${behind.length} instance(s) differ from deployment.toml: run \`encryption rollout\` to apply it.\n`);
}

/**
 * `encryption rollout`: applies the encryption settings of deployment.toml to every running instance
 * together, with no restart and no failed request (prepare → commit → finish; any refusal aborts everywhere).
 */
export async function encryptionRollout(io: CliIo, flags: RolloutFlags): Promise<void> {
  const { deployment, material, nc } = await prepare(io);
  const target = material.profile;
  io.stderr(`Rolling out: ${describeProfile(target)}\n`);
  let result;
  try {
    result = await new RolloutCoordinator(nc, flags.timeout, deployment.config.nats.subjectPrefix).rollout(target, {
      dryRun: flags.dryRun === true,
      listener: (e) => io.stderr(`  ${e.step.padEnd(7)} ${e.instanceId}: ${e.ok ? 'ok' : `REFUSED — ${e.error}`}\n`),
    });
  } finally {
    await nc.close();
  }
  if (result.nodes.length === 0) throw new CliError('no service instance answered on NATS: start the services first (or, if none runs, just start them with the new file)');
  io.stdout(formatTable(['service', 'instance', 'wrote with (before)', 'as configured', 'change in progress', 'stored values'], nodeRows(result.nodes, target.fingerprint)));
  if (result.outcome === 'aborted') {
    throw new CliError(
      `rollout aborted, every instance is back on its previous settings:\n${result.failures.map((f) => `  ${f.service} ${f.instanceId}: ${f.error}`).join('\n')}`,
    );
  }
  if (result.outcome === 'validated') {
    io.stdout(`\nDry run: all ${result.nodes.length} instance(s) can apply ${deployment.config.file}; nothing changed.\n`);
    return;
  }
  const changed = result.nodes.some((n) => n.profile.fingerprint !== target.fingerprint);
  io.stdout(
    `\nDone: ${result.nodes.length} instance(s) now write with ${describeProfile(target)}.\n` +
      (changed ? `Next: rewrite stored values into the new settings with: ${cliName(io)} tokens migrate --verify\n` : ''),
  );
}
