import { Inject, Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { ConfigError, type DeploymentConfig } from '@app/config';
import { DEPLOYMENT_CONFIG } from '@app/platform';
import { wso2KeyIds } from './wso2-key-id.util.js';

/** A WSO2 signing key under one of WSO2's `kid`s, and the issuer its JWTs must name. */
export interface Wso2JwtKey {
  kid: string;
  issuer: string;
  publicKey: KeyObject;
  certificateDer: Buffer;
}

/**
 * The signing keys of WSO2 Key Managers whose JWT access tokens were imported (`[[oauth.wso2_jwt_issuer]]`):
 * each certificate under every `kid` WSO2 has used for it (`wso2KeyIds`), tied to its WSO2 issuer. Read once
 * at start; a certificate that cannot be read stops the start with a configuration error.
 */
@Injectable()
export class Wso2JwtKeys {
  private readonly byKid = new Map<string, Wso2JwtKey>();

  constructor(@Inject(DEPLOYMENT_CONFIG) config: DeploymentConfig) {
    config.oauth.wso2JwtIssuers.forEach((settings, index) => {
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(readFileSync(settings.certificateFile));
      } catch (error) {
        throw new ConfigError('CONFIG_INVALID', config.file, [
          {
            key: `oauth.wso2_jwt_issuer[${index}].certificate`,
            problem: `cannot be read as a PEM or DER certificate (${(error as NodeJS.ErrnoException).code ?? 'not a certificate'})`,
            expected: "WSO2's signing certificate (keytool -exportcert -rfc -alias wso2carbon -keystore wso2carbon.jks)",
          },
        ]);
      }
      for (const kid of new Set(Object.values(wso2KeyIds(certificate.raw)))) {
        this.byKid.set(kid, { kid, issuer: settings.issuer, publicKey: certificate.publicKey, certificateDer: certificate.raw });
      }
    });
  }

  find(kid: string): Wso2JwtKey | undefined {
    return this.byKid.get(kid);
  }

  /** Every key under every kid, for the JWKS. */
  all(): Wso2JwtKey[] {
    return [...this.byKid.values()];
  }
}
