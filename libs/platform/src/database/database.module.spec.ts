import { describe, expect, it } from '@jest/globals';
import { checkPostgresVersion } from './database.module.js';

describe('checkPostgresVersion', () => {
  it.each([
    [130014, '13.14'],
    [120020, '12.20 (Debian 12.20-1.pgdg120+1)'],
  ])('refuses %i, naming the server and what is needed', (num, version) => {
    expect(() => checkPostgresVersion(num, version)).toThrow(`PostgreSQL ${version} is too old: the services need PostgreSQL 14 or later (docs/deployment.md)`);
  });

  it.each([140000, 150019, 180003])('accepts %i', (num) => {
    expect(() => checkPostgresVersion(num, 'x')).not.toThrow();
  });
});
