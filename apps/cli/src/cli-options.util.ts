import { InvalidArgumentError } from 'commander';

// Parsers for commander options. Commander quotes the rejected value in its message, so these are only for
// flags that hold nothing secret (sizes, counts, types); secret flags are checked in the command instead.

/** `--key-size`: one of the sizes WSO2 keystores use. */
export function parseKeySize(value: string): 2048 | 3072 | 4096 {
  if (value === '2048' || value === '3072' || value === '4096') return Number(value) as 2048 | 3072 | 4096;
  throw new InvalidArgumentError('expected 2048, 3072 or 4096.');
}

/** A whole number from `min` to `max`, written in plain digits (no "1e3", no "30.5"). */
export function integerParser(min: number, max: number, unit: string): (value: string) => number {
  return (value) => {
    const parsed = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!(parsed >= min && parsed <= max)) throw new InvalidArgumentError(`expected a whole number of ${unit} from ${min} to ${max}.`);
    return parsed;
  };
}

/** `--type` / `--keystore-type`: PKCS12 or JKS, any case (as in deployment.toml). */
export function parseKeystoreType(value: string): 'PKCS12' | 'JKS' {
  const upper = value.trim().toUpperCase();
  if (upper === 'PKCS12' || upper === 'JKS') return upper;
  throw new InvalidArgumentError('expected PKCS12 or JKS.');
}

/** WSO2's habit, also in deployment.toml: a `.jks` file is JKS, anything else PKCS#12 (the content decides anyway). */
export function keystoreTypeFromName(file: string): 'PKCS12' | 'JKS' {
  return file.toLowerCase().endsWith('.jks') ? 'JKS' : 'PKCS12';
}
