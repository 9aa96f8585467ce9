import { KeyManagerPatterns, RpcErrorCodes, type TokenTypeExtension } from '@app/contracts';
import { KeyManagerCallError, type KeyManagerClient } from '@app/platform';
import type { ApplicationTokenType } from '../applications/dto/application-request.dto.js';
import type { ApplicationKeyEntity } from '../persistence/application-key.entity.js';

/** The application's token type as the Key Manager names it (WSO2's `token_type_extension`). */
export function keyManagerTokenType(tokenType: string): TokenTypeExtension {
  return (tokenType as ApplicationTokenType) === 'OAUTH' ? 'Default' : 'JWT';
}

/** The OAuth2 client name WSO2 gives the client behind an application key. */
export function clientNameOf(owner: string, applicationName: string, keyType: string): string {
  return `${owner}_${applicationName}_${keyType}`;
}

/**
 * Deletes the client behind a key (the Key Manager revokes its tokens). A client already gone counts as
 * deleted, so a delete interrupted half-way can simply be repeated.
 */
export async function deleteClientIfPresent(keyManager: KeyManagerClient, clientId: string, requestId: string): Promise<void> {
  try {
    await keyManager.call(KeyManagerPatterns.ClientDelete, { clientId }, requestId);
  } catch (error) {
    if (error instanceof KeyManagerCallError && error.code === RpcErrorCodes.NotFound) return;
    throw error;
  }
}

/**
 * What removing a key does to its client: a client the portal created is deleted (with its tokens); a mapped
 * one (map-keys) was the user's before and stays, as in WSO2 (`deleteMappedApplication` leaves the client).
 */
export async function releaseClientOf(keyManager: KeyManagerClient, key: Pick<ApplicationKeyEntity, 'consumerKey' | 'mode'>, requestId: string): Promise<void> {
  if (key.mode === 'MAPPED') return;
  await deleteClientIfPresent(keyManager, key.consumerKey, requestId);
}
