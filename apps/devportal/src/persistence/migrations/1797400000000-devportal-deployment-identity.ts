import { DeploymentIdentityMigration } from '@app/platform';

/** The Key Manager deployment this portal pinned at its first agreement; answers of any other are refused. */
export class DevportalDeploymentIdentity1797400000000 extends DeploymentIdentityMigration {
  readonly name = 'DevportalDeploymentIdentity1797400000000';
}
