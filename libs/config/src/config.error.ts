import type { ConfigIssue } from './config.types.js';

export type ConfigErrorCode = 'CONFIG_NOT_FOUND' | 'CONFIG_UNREADABLE' | 'CONFIG_SYNTAX' | 'CONFIG_INVALID';

const HEADLINES: Record<ConfigErrorCode, string> = {
  CONFIG_NOT_FOUND: 'Configuration file not found',
  CONFIG_UNREADABLE: 'Configuration file cannot be read',
  CONFIG_SYNTAX: 'Configuration file is not valid TOML',
  CONFIG_INVALID: 'Configuration is invalid',
};

/**
 * The configuration cannot be used. Carries every problem found, not just the first, so that one start
 * attempt is enough to see everything to fix. Neither `message` nor {@link ConfigError.format} contains a
 * secret value: issues name keys and environment variables, never what they hold.
 *
 * @example
 * ```ts
 * try {
 *   loadConfig({ service: 'key-manager' });
 * } catch (error) {
 *   if (error instanceof ConfigError && error.code === 'CONFIG_INVALID') console.error(error.format());
 *   throw error;
 * }
 * ```
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: ConfigIssue[];

  constructor(
    readonly code: ConfigErrorCode,
    readonly file: string | undefined,
    issues: readonly ConfigIssue[],
    /** Appended to the headline, e.g. "for key-manager". */
    private readonly context?: string,
  ) {
    super('');
    this.issues = issues.map((issue) => ({ ...issue }));
    // Uncaught errors print `message`: make it the full report rather than a summary that hides the keys.
    this.message = this.format();
  }

  /**
   * Multi-line text for people: the file, then one line per issue with the key, the problem and what is
   * expected.
   */
  format(): string {
    const count = this.code === 'CONFIG_INVALID' ? ` (${this.issues.length} ${this.issues.length === 1 ? 'problem' : 'problems'})` : '';
    const context = this.context ? ` ${this.context}` : '';
    const lines = [`${HEADLINES[this.code]}${context}${count}${this.file ? `: ${this.file}` : ''}`];
    for (const issue of this.issues) {
      const key = issue.key ? `${issue.key}: ` : '';
      lines.push(`  - ${key}${issue.problem}; expected ${issue.expected}`);
    }
    return lines.join('\n');
  }
}
