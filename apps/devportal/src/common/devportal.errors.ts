/**
 * Stable codes of the portal's own domain errors. The exception filters map each to one HTTP status at
 * the edge; services never know about HTTP.
 */
export type DevportalErrorCode =
  | 'AUTHENTICATION_REQUIRED'
  | 'INVALID_ACCESS_TOKEN'
  | 'APPLICATION_NOT_FOUND'
  | 'APPLICATION_NAME_TAKEN'
  | 'KEY_NOT_FOUND'
  | 'INVALID_CONSUMER_SECRET'
  | 'GRANT_NOT_SUPPORTED'
  | 'INVALID_REQUEST';

/** A domain error of the portal. `message` is shown to the caller as the error's description: never a secret in it. */
export class DevportalError extends Error {
  constructor(
    readonly code: DevportalErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** No bearer token, or one the Key Manager says is not active. Answered 401 with `WWW-Authenticate: Bearer`. */
export class BearerAuthError extends DevportalError {
  constructor(code: 'AUTHENTICATION_REQUIRED' | 'INVALID_ACCESS_TOKEN', message: string) {
    super(code, message);
  }
}

export class ApplicationNotFoundError extends DevportalError {
  constructor(applicationId: string) {
    // The same answer whether the application does not exist or belongs to someone else.
    super('APPLICATION_NOT_FOUND', `application ${applicationId} not found`);
  }
}

export class ApplicationNameTakenError extends DevportalError {
  constructor(name: string) {
    // WSO2's words (ApplicationsApiServiceImpl: "An application already exists with name " + name).
    super('APPLICATION_NAME_TAKEN', `An application already exists with name ${name}`);
  }
}

export class KeyNotFoundError extends DevportalError {
  constructor(keyMappingId: string) {
    super('KEY_NOT_FOUND', `key mapping ${keyMappingId} not found for this application`);
  }
}

export class InvalidConsumerSecretError extends DevportalError {
  constructor() {
    super('INVALID_CONSUMER_SECRET', 'the consumer secret does not match this key');
  }
}

export class GrantNotSupportedError extends DevportalError {
  constructor(grant: string) {
    super('GRANT_NOT_SUPPORTED', `this key does not support the ${grant} grant; add it to supportedGrantTypes first`);
  }
}

/** Input that is well-formed but not acceptable (a rule across fields that a DTO decorator cannot say). */
export class InvalidRequestError extends DevportalError {
  constructor(message: string) {
    super('INVALID_REQUEST', message);
  }
}

/**
 * An error WSO2 answers with one of its ExceptionCodes (carbon-apimgt `ExceptionCodes`): the ErrorDTO's
 * `code` is WSO2's error code and `message` its fixed text, the HTTP status is the code's status.
 */
export class Wso2CodedError extends DevportalError {
  constructor(
    readonly wso2: { code: number; message: string; status: number },
    description: string,
  ) {
    super('INVALID_REQUEST', description);
  }
}

/**
 * carbon-apimgt ExceptionCodes.INVALID_APPLICATION_ADDITIONAL_PROPERTIES: (900970, "Invalid application
 * additional properties", 400, "Invalid additional properties. %s").
 */
export class InvalidAdditionalPropertiesError extends Wso2CodedError {
  constructor(problem: string) {
    super({ code: 900970, message: 'Invalid application additional properties', status: 400 }, `Invalid additional properties. ${problem}`);
  }
}

/** carbon-apimgt ExceptionCodes.KEY_MAPPING_ALREADY_EXIST: (901409, "Key Mappings already exists", 409). */
const KEY_MAPPING_ALREADY_EXIST = { code: 901409, message: 'Key Mappings already exists', status: 409 } as const;

/**
 * The application already has keys of this type (generate-keys, map-keys). WSO2's ErrorDTO 901409, which
 * WSO2's ApplicationTestCase expects of both.
 */
export class KeysAlreadyGeneratedError extends Wso2CodedError {
  constructor(keyType: string) {
    super(KEY_MAPPING_ALREADY_EXIST, `Key Mappings already exists: this application has ${keyType} keys; regenerate the secret or delete the keys first`);
  }
}

/** map-keys: the client is already the key of an application (this user's or anyone's): ErrorDTO 901409. */
export class KeyMappingExistsError extends Wso2CodedError {
  constructor(consumerKey: string) {
    super(KEY_MAPPING_ALREADY_EXIST, `Key Mappings already exists for consumer key ${consumerKey}`);
  }
}

/**
 * map-keys: the consumer key and secret do not prove a client. One answer for an unknown consumer key and a
 * wrong secret (WSO2's text for the latter; WSO2 answers both with a 500), so the call does not tell which
 * client ids exist.
 */
export class MapKeysCredentialsError extends DevportalError {
  constructor(consumerKey: string) {
    super('INVALID_REQUEST', `The secret key is wrong for the given consumer key ${consumerKey}`);
  }
}

/** One invalid field of a request, as WSO2 lists them in `error`. */
export interface FieldProblem {
  /** The failed rule, e.g. `isString`, `whitelistValidation`. */
  code: string;
  message: string;
}

/** The request body, query or path failed validation; every problem is listed. */
export class RequestValidationError extends DevportalError {
  constructor(readonly problems: FieldProblem[]) {
    super('INVALID_REQUEST', problems.length === 1 ? problems[0]!.message : `${problems.length} invalid fields: ${problems.map((p) => p.message).join('; ')}`);
  }
}
