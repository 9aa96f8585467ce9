import type { KeystoreEntryInfo } from '@app/crypto';

/** `keystore inspect --json`: one entry, mapped field by field (nothing secret exists to leak, and the shape stays ours). */
export interface KeystoreEntryDto {
  alias: string;
  /** False for a trusted-certificate entry. */
  hasPrivateKey: boolean;
  keyAlgorithm: string;
  keySizeBits: number | null;
  /** Uppercase hex SHA-1 of the certificate DER, as WSO2 writes it into `tp`. */
  thumbprint: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  expired: boolean;
}

/** `keystore inspect --json`. */
export interface KeystoreReportDto {
  file: string;
  type: string;
  entries: KeystoreEntryDto[];
}

export function toKeystoreReport(file: string, type: string, entries: readonly KeystoreEntryInfo[]): KeystoreReportDto {
  return {
    file,
    type,
    entries: entries.map((e) => ({
      alias: e.alias,
      hasPrivateKey: e.hasPrivateKey,
      keyAlgorithm: e.keyAlgorithm,
      keySizeBits: e.keySizeBits ?? null,
      thumbprint: e.thumbprint,
      subject: e.subject,
      notBefore: e.notBefore.toISOString(),
      notAfter: e.notAfter.toISOString(),
      expired: e.expired,
    })),
  };
}

/** The human-readable listing of `keystore inspect`. */
export function formatKeystoreReport(report: KeystoreReportDto): string {
  const count = `${report.entries.length} ${report.entries.length === 1 ? 'entry' : 'entries'}`;
  const blocks = report.entries.map((e) => formatEntry(e));
  return [`Keystore ${report.file} (${report.type}), ${count}`, ...blocks].join('\n\n') + '\n';
}

/** One entry as an indented block; also the summary of `keystore create`. */
export function formatEntry(e: KeystoreEntryDto): string {
  const kind = e.hasPrivateKey ? 'private key entry' : 'trusted certificate, no private key';
  return [
    `${e.alias}  (${kind})`,
    row('key', e.keySizeBits === null ? e.keyAlgorithm : `${e.keyAlgorithm} ${e.keySizeBits}`),
    row('thumbprint', `${e.thumbprint} (SHA-1)`),
    row('subject', e.subject),
    row('valid from', e.notBefore),
    row('valid until', e.expired ? `${e.notAfter}  EXPIRED` : e.notAfter),
  ].join('\n');
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(12)} ${value}`;
}
