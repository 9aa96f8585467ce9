import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The portal's tables. Unqualified names: connections set `search_path` to the portal's schema. Application
 * names are unique per owner regardless of case, as in WSO2.
 */
export class DevportalInitialSchema1764140000000 implements MigrationInterface {
  name = 'DevportalInitialSchema1764140000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE applications (
        id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner             text NOT NULL,
        name              text NOT NULL,
        throttling_policy text NOT NULL,
        description       text,
        token_type        text NOT NULL CHECK (token_type IN ('JWT', 'OAUTH')),
        status            text NOT NULL,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX applications_owner_name_key ON applications (owner, lower(name))`);
    await q.query(`
      CREATE TABLE application_keys (
        id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        application_id         uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
        key_type               text NOT NULL CHECK (key_type IN ('PRODUCTION', 'SANDBOX')),
        consumer_key           text NOT NULL,
        consumer_secret        text NOT NULL,
        consumer_secret_scheme text NOT NULL,
        consumer_secret_hash   text NOT NULL,
        supported_grant_types  text[] NOT NULL DEFAULT '{}',
        callback_url           text,
        key_state              text NOT NULL,
        validity_time          integer NOT NULL,
        scopes                 text[] NOT NULL DEFAULT '{}',
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT application_keys_application_key_type_key UNIQUE (application_id, key_type),
        CONSTRAINT application_keys_consumer_key_key UNIQUE (consumer_key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE application_keys');
    await q.query('DROP TABLE applications');
  }
}
