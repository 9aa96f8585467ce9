import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { compactVerify, createRemoteJWKSet, decodeJwt, errors, type JWTPayload } from 'jose';
import type { Logger } from 'pino';
import { ConfigError, type DeploymentConfig, type TrustedIssuerSettings } from '@app/config';
import { isCanonicalCompactJws } from '@app/crypto';
import { DEPLOYMENT_CONFIG, ROOT_LOGGER } from '@app/platform';
import { OAuthError, type OAuthErrorCode } from '../common/key-manager.errors.js';

/** Asymmetric JWS algorithms only: an issuer's JWTs are checked with its public keys, never a shared secret. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const MAX_JWT_LENGTH = 16_384;
/** WSO2's OAuth TimestampSkew default (OAuthServerConfiguration): 300 seconds either way. */
export const CLOCK_SKEW_SEC = 300;

/** A JWT from a trusted issuer whose signature, audience and times were checked. */
export interface VerifiedJwt {
  issuer: TrustedIssuerSettings;
  claims: JWTPayload & { iss: string; sub: string; exp: number };
}

/** What one use of a JWT checks besides the signature. */
export interface JwtChecks {
  /** The grant named in "No Valid Assertion was found for <grant>". */
  grant: string;
  /** The OAuth2 error code for a JWT that does not pass (`invalid_grant` for jwt-bearer, `invalid_request` for token exchange, as WSO2). */
  errorCode: OAuthErrorCode;
  /** Refuse a JWT issued longer ago than this (WSO2's JWTGrant IATValidityPeriod); undefined: no limit. */
  maxAgeSec?: number;
}

type KeySource = KeyObject | ReturnType<typeof createRemoteJWKSet>;

interface Issuer {
  settings: TrustedIssuerSettings;
  audiences: string[];
  key: KeySource;
  certificate?: X509Certificate;
}

/**
 * The issuers whose JWTs the jwt-bearer and token-exchange grants accept (`[[oauth.trusted_issuer]]`), each
 * with its JWKS (fetched and cached, refetched for an unknown `kid`) or a certificate read at start. Checks
 * follow WSO2's JWTBearerGrantHandler, in its order and with its messages: mandatory claims (iss, sub, exp,
 * aud), a registered issuer, the signature, the audience, exp, nbf and iat with WSO2's 300-second skew.
 * Messages never quote the JWT.
 */
@Injectable()
export class TrustedIssuers implements OnModuleInit {
  private readonly logger: Logger;
  private readonly issuers = new Map<string, Issuer>();

  constructor(
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'trusted-issuers' });
  }

  onModuleInit(): void {
    const defaults = [`${this.config.server.publicUrl}/oauth2/token`, this.config.oauth.issuer];
    this.config.oauth.trustedIssuers.forEach((settings, index) => {
      const audiences = settings.audiences.length > 0 ? settings.audiences : defaults;
      if (settings.jwksUri !== undefined) {
        const key = createRemoteJWKSet(new URL(settings.jwksUri), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
        this.issuers.set(settings.issuer, { settings, audiences, key });
        return;
      }
      const certificate = this.readCertificate(settings, index);
      this.issuers.set(settings.issuer, { settings, audiences, key: certificate.publicKey, certificate });
    });
  }

  /** Whether any issuer is configured (the grants refuse early when none is). */
  get any(): boolean {
    return this.issuers.size > 0;
  }

  /** Whether a JWT names one of the trusted issuers (unverified: only to pick what checks it). */
  issues(jwt: string): boolean {
    try {
      const iss = decodeJwt(jwt).iss;
      return typeof iss === 'string' && this.issuers.has(iss);
    } catch {
      return false;
    }
  }

  /** @throws OAuthError with `checks.errorCode` and WSO2's message for the first check that fails. */
  async verify(jwt: string, checks: JwtChecks, now = Date.now() / 1000): Promise<VerifiedJwt> {
    const fail = (message: string) => new OAuthError(checks.errorCode, message);
    let claims: JWTPayload;
    try {
      // One spelling per JWT (jose, like Node, decodes non-canonical base64url): see isCanonicalCompactJws.
      if (jwt.length > MAX_JWT_LENGTH || !isCanonicalCompactJws(jwt)) throw new Error('not a canonical compact JWS');
      claims = decodeJwt(jwt);
    } catch {
      throw fail(`No Valid Assertion was found for ${checks.grant}`);
    }
    const { iss, sub, exp, aud } = claims;
    if (typeof iss !== 'string' || iss === '' || typeof sub !== 'string' || sub === '' || typeof exp !== 'number' || aud === undefined) {
      throw fail('Mandatory fields(Issuer, Subject, Expiration time or Audience) are empty in the given JSON Web Token.');
    }
    const issuer = this.issuers.get(iss);
    if (!issuer) throw fail('No registered identity provider found for the JWT issuer');
    await this.verifySignature(jwt, issuer, fail);
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.some((a) => issuer.audiences.includes(a))) throw fail(`None of the audience values matched the tokenEndpoint Alias ${issuer.audiences.join(', ')}`);
    if (now - CLOCK_SKEW_SEC > exp) throw fail('JSON Web Token is expired.');
    if (typeof claims.nbf === 'number' && now + CLOCK_SKEW_SEC < claims.nbf) throw fail('JSON Web Token is used before Not_Before_Time.');
    if (checks.maxAgeSec !== undefined && typeof claims.iat === 'number' && now + CLOCK_SKEW_SEC - claims.iat > checks.maxAgeSec) {
      throw fail('JSON Web Token is issued before the allowed time.');
    }
    return { issuer: issuer.settings, claims: { ...claims, iss, sub, exp } };
  }

  private async verifySignature(jwt: string, issuer: Issuer, fail: (message: string) => OAuthError): Promise<void> {
    if (issuer.certificate) {
      const now = new Date();
      if (new Date(issuer.certificate.validTo) < now) throw fail('X509Certificate has expired.');
      if (new Date(issuer.certificate.validFrom) > now) throw fail('X509Certificate is not yet valid.');
    }
    try {
      await compactVerify(jwt, issuer.key as never, { algorithms: ALGORITHMS });
    } catch (error) {
      if (
        error instanceof errors.JWSSignatureVerificationFailed ||
        error instanceof errors.JOSEAlgNotAllowed ||
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys ||
        error instanceof errors.JWSInvalid ||
        error instanceof errors.JOSENotSupported
      ) {
        throw fail('Signature or Message Authentication invalid.');
      }
      // The issuer's JWKS could not be fetched or read: the caller cannot fix that; the operator must know.
      this.logger.warn({ issuer: issuer.settings.name, err: error }, 'cannot verify a JWT of a trusted issuer');
      throw fail('Error when verifying signature');
    }
  }

  private readCertificate(settings: TrustedIssuerSettings, index: number): X509Certificate {
    try {
      return new X509Certificate(readFileSync(settings.certificateFile!));
    } catch (error) {
      throw new ConfigError('CONFIG_INVALID', this.config.file, [
        {
          key: `oauth.trusted_issuer[${index}].certificate`,
          problem: `cannot be read as a PEM or DER certificate (${(error as NodeJS.ErrnoException).code ?? 'not a certificate'})`,
          expected: 'a readable X.509 certificate file of the issuer',
        },
      ]);
    }
  }
}
