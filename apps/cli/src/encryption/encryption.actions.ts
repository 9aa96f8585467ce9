// The `encryption` commands' work (loaded only when such a command runs: it needs @app/platform).
import type { NodeStatus } from '@app/contracts';
import { loadEncryptionMaterial } from '@app/platform';
import type { CliIo } from '../cli-io.js';
import { cliName } from '../cli-name.util.js';
import { CliError, toCliError } from '../cli.error.js';
import { loadDeployment, readDeploymentId } from '../deployment/cli-deployment.js';
import { formatTable } from '../tokens/tokens.actions.js';
import { connectBus } from './bus-connection.js';
import { describeProfile } from './profile.formatter.js';
import { deploymentsOf, RolloutCoordinator, SeveralDeploymentsError } from './rollout.coordinator.js';

export interface EncryptionStatusFlags {
  json?: boolean;
  timeout: number;
}

export interface RolloutFlags {
  dryRun?: boolean;
  timeout: number;
  /** The deployment to roll out when the database cannot tell and instances of several answer. */
  deployment?: string;
}

/** Which instances are this deployment's: the id in the Key Manager's database (or `--deployment`). */
function deploymentColumn(n: NodeStatus, own: string | undefined): string {
  if (!n.deployment) return '?';
  const short = n.deployment.slice(0, 8);
  return own && n.deployment !== own ? `${short} OTHER` : short;
}

function severalDeploymentsAdvice(deployments: string[], prefix: string): string {
  return (
    `instances of ${deployments.length} deployments answer on ${prefix ? `subject prefix "${prefix}"` : 'NATS subjects with no prefix'} (${deployments.join(', ')}): ` +
    'two deployments share this NATS server. Give each deployment its own [transport.nats] subject_prefix'
  );
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

function nodeRows(nodes: NodeStatus[], target: string, own: string | undefined): string[][] {
  return nodes.map((n) => [
    n.service,
    n.instanceId,
    deploymentColumn(n, own),
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
  let own: string | undefined;
  try {
    [nodes, own] = await Promise.all([new RolloutCoordinator(nc, flags.timeout, deployment.config.nats.subjectPrefix).discover(), readDeploymentId(deployment)]);
  } finally {
    await nc.close();
  }
  const target = material.profile.fingerprint;
  const deployments = deploymentsOf(nodes);
  const foreign = own ? nodes.filter((n) => n.deployment && n.deployment !== own) : [];
  if (flags.json) {
    io.stdout(`${JSON.stringify({ configured: material.profile, deployment: own ?? null, nodes, foreign: foreign.map((n) => n.instanceId) }, null, 2)}\n`);
    return;
  }
  io.stdout(`deployment.toml (${deployment.config.file}): ${describeProfile(material.profile)}\n\n`);
  if (nodes.length === 0) {
    io.stdout('No service instance answered.\n');
    return;
  }
  io.stdout(formatTable(['service', 'instance', 'deployment', 'writes with', 'as configured', 'change in progress', 'stored values'], nodeRows(nodes, target, own)));
  if (deployments.length > 1) {
    io.stdout(
      `\nWARNING: ${severalDeploymentsAdvice(deployments, deployment.config.nats.subjectPrefix)}. ` +
        (own ? `This deployment is ${own} (its Key Manager's database); rollouts leave the ${foreign.length} OTHER instance(s) alone.\n` : 'The database could not be read to tell which is this one.\n'),
    );
  }
  const behind = nodes.filter((n) => !foreign.includes(n) && n.profile.fingerprint !== target);
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
    const own = flags.deployment ?? (await readDeploymentId(deployment));
    result = await new RolloutCoordinator(nc, flags.timeout, deployment.config.nats.subjectPrefix).rollout(target, {
      dryRun: flags.dryRun === true,
      ...(own ? { deployment: own } : {}),
      listener: (e) => io.stderr(`  ${e.step.padEnd(7)} ${e.instanceId}: ${e.ok ? 'ok' : `REFUSED — ${e.error}`}\n`),
    });
  } catch (e) {
    if (!(e instanceof SeveralDeploymentsError)) throw e;
    throw new CliError(`${severalDeploymentsAdvice(e.deployments, deployment.config.nats.subjectPrefix)}. The Key Manager's database could not be read to tell which is this one: pass --deployment <id>`);
  } finally {
    await nc.close();
  }
  if (result.foreign.length > 0) {
    io.stderr(`warning: left alone ${result.foreign.length} instance(s) of another deployment on the same subjects (${deploymentsOf(result.foreign).join(', ')}): give each deployment its own [transport.nats] subject_prefix\n`);
  }
  if (result.nodes.length === 0) throw new CliError('no service instance answered on NATS: start the services first (or, if none runs, just start them with the new file)');
  io.stdout(formatTable(['service', 'instance', 'deployment', 'wrote with (before)', 'as configured', 'change in progress', 'stored values'], nodeRows(result.nodes, target.fingerprint, result.deployment)));
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
