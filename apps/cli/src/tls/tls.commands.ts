import { X509Certificate } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { createSelfSignedTlsCertificate } from '@app/crypto';
import type { CliIo } from '../cli-io.js';
import { usageError } from '../cli.error.js';
import { integerParser } from '../cli-options.util.js';
import { alreadyExists, pathExists, writePrivateFile } from '../keystore/private-file.writer.js';
import { cliName } from '../cli-name.util.js';

interface DevCertificateOptions {
  out: string;
  host: string[];
  validityDays: number;
  certificateOut?: string;
  force?: boolean;
  ifMissing?: boolean;
}

/** `tls dev-certificate`: development certificates of the reverse proxy and of NATS (docker-compose.yml's tls-init). */
export function registerTlsCommands(program: Command, io: CliIo): void {
  const tls = program.command('tls').description('TLS certificates for the reverse proxy in front of the services and for NATS');

  tls
    .command('dev-certificate')
    .description('write a self-signed TLS server certificate and its private key as one PEM file (mode 0600), as HAProxy reads it')
    .requiredOption('--out <file>', 'PEM file to write (certificate, then private key); missing folders are created')
    .option('--host <name>', 'DNS name or IP address the certificate is for (repeat for several; the first is the common name)', collect, [])
    .addOption(new Option('--validity-days <days>', 'days the certificate is valid').argParser(integerParser(1, 825, 'days')).default(397))
    .option('--certificate-out <file>', 'also write the certificate alone (no key; mode 0644), for clients to trust')
    .option('--force', 'replace an existing file')
    .option('--if-missing', 'leave an existing file alone and exit 0 (for a one-shot container run at every start)')
    .addHelpText(
      'after',
      `
For development and first starts only: clients trust it only when told to (curl --cacert). Configure a real
certificate for production (docs/deployment.md).

Examples:
  $ ${cliName(io)} tls dev-certificate --out /certs/dev.pem --host localhost --host 127.0.0.1 --if-missing`,
    )
    .action(async (options: DevCertificateOptions) => {
      if (options.force && options.ifMissing) throw usageError('--force and --if-missing exclude each other');
      const hosts = options.host.length > 0 ? options.host : ['localhost'];
      const file = resolve(io.cwd, options.out);
      if (await pathExists(file)) {
        if (options.ifMissing) {
          io.stdout(`${file} exists; keeping it\n`);
          return;
        }
        if (!options.force) throw alreadyExists(file);
      }
      let pem: string;
      try {
        const created = await createSelfSignedTlsCertificate({ hosts, validityDays: options.validityDays });
        pem = created.certificatePem + created.privateKeyPem;
      } catch (error) {
        if (error instanceof TypeError || error instanceof RangeError) throw usageError(`invalid --host: ${error.message}`);
        throw error;
      }
      await writePrivateFile(file, Buffer.from(pem, 'utf8'), { replace: options.force === true });
      const cert = new X509Certificate(pem);
      io.stdout(`Created ${file} (self-signed, mode 0600) for ${cert.subjectAltName ?? hosts.join(', ')}, valid until ${new Date(cert.validTo).toISOString()}\n`);
      if (options.certificateOut) {
        const certificateFile = resolve(io.cwd, options.certificateOut);
        await mkdir(dirname(certificateFile), { recursive: true });
        await writeFile(certificateFile, cert.toString(), { mode: 0o644 });
        io.stdout(`Created ${certificateFile} (the certificate alone, for clients to trust)\n`);
      }
      io.stdout(`SHA-256 fingerprint ${cert.fingerprint256}\n`);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
