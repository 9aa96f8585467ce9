/**
 * How an authorization code keeps a `plain` PKCE challenge (allowed only for an application with WSO2's
 * `pkceSupportPlain`): `plain:<challenge>` in `authorization_codes.code_challenge`, beside the S256
 * challenges kept as they are (43 base64url characters, never starting with `plain:`).
 */
export const PLAIN_PREFIX = 'plain:';
