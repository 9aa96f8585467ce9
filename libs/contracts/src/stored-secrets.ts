import type { SecretKind } from '@app/crypto';

/**
 * One column that holds a secret, with the columns that say how it was stored and its lookup hash.
 * Every table listed has a `uuid` primary key named `id`. This catalog is what the services check at
 * start ("can I read every stored value?") and what `tokens status` / `tokens migrate` walk.
 */
export interface StoredSecretColumn {
  table: string;
  kind: SecretKind;
  value: string;
  scheme: string;
  hash: string;
}

export type StoringService = 'key-manager' | 'devportal';

export const STORED_SECRETS: Readonly<Record<StoringService, readonly StoredSecretColumn[]>> = {
  'key-manager': [
    { table: 'oauth_clients', kind: 'consumer_secret', value: 'client_secret', scheme: 'client_secret_scheme', hash: 'client_secret_hash' },
    { table: 'oauth_client_secrets', kind: 'consumer_secret', value: 'secret', scheme: 'secret_scheme', hash: 'secret_hash' },
    { table: 'oauth_tokens', kind: 'access_token', value: 'access_token', scheme: 'access_token_scheme', hash: 'access_token_hash' },
    { table: 'oauth_tokens', kind: 'refresh_token', value: 'refresh_token', scheme: 'refresh_token_scheme', hash: 'refresh_token_hash' },
    { table: 'authorization_codes', kind: 'authorization_code', value: 'code', scheme: 'code_scheme', hash: 'code_hash' },
    { table: 'device_authorizations', kind: 'device_code', value: 'device_code', scheme: 'device_code_scheme', hash: 'device_code_hash' },
  ],
  devportal: [
    { table: 'application_keys', kind: 'consumer_secret', value: 'consumer_secret', scheme: 'consumer_secret_scheme', hash: 'consumer_secret_hash' },
  ],
};
