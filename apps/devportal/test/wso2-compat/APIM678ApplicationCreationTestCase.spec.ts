// Ports wso2/product-apim @ 140e5b9079d232920f192aeed98f16171b07e40c
//   all-in-one-apim/modules/integration/tests-integration/tests-backend/src/test/java/org/wso2/am/integration/tests/other/APIM678ApplicationCreationTestCase.java
// through RestAPIStoreImpl (createApplication, createApplicationWithCustomAttribute, updateApplicationByID,
// getAllApps, deleteApplication), sent as WSO2's generated client sends them (wso2-store-client.ts).
//
// Left out: the TENANT_ADMIN user mode (no tenants). Differs: custom attributes are accepted and not kept
// (docs/devportal.md "WSO2 compatibility"); WSO2's test asserts only that the creation succeeds.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startCompatStack, type CompatStack } from './compat-stack.js';
import { applicationDto, type Wso2StoreClient } from './wso2-store-client.js';

// Each file starts a Key Manager and a portal: generous for a loaded machine.
jest.setTimeout(180_000);

const description = 'NewApplicationCreation';
const appTier = '10PerMin'; // APIMIntegrationConstants.APPLICATION_TIER.TEN_PER_MIN

let compat: CompatStack;
let store: Wso2StoreClient;

beforeAll(async () => {
  compat = await startCompatStack('apim678');
  store = await compat.clientFor('apim678-admin');
});

afterAll(async () => {
  await compat?.stop();
});

describe('APIM678ApplicationCreationTestCase', () => {
  // @DataProvider createApplicationWithValidData
  it.each([
    ['NewApplication1', description],
    ['NewApplication2', ''],
    ['NewApplication3', description],
    ['NewApplication4', ''],
  ])('testApplicationCreation (%s)', async (applicationName, appDescription) => {
    const created = await store.applicationsPost<{ applicationId: string }>(applicationDto({ name: applicationName, description: appDescription, throttlingPolicy: appTier, tokenType: 'JWT' }));
    expect(created.status).toBe(201);
    expect(created.body.applicationId).toBeTruthy();
  });

  it('testAlreadyCreatedApplication', async () => {
    const again = await store.applicationsPost(applicationDto({ name: 'NewApplication1', description, throttlingPolicy: appTier, tokenType: 'JWT' }));
    // RestAPIStoreImpl.createApplication returns null when the answer "contains already exists".
    expect(again.status).toBe(409);
    expect(again.text).toContain('already exists');
  });

  it('getAllCreatedApplications', async () => {
    const all = await store.applicationsGet<{ count: number; list: unknown[] }>();
    expect(all.status).toBe(200);
    expect(all.body.count).toBeGreaterThanOrEqual(4);
  });

  it('testUpdateApplication', async () => {
    const created = await store.applicationsPost<{ applicationId: string }>(applicationDto({ name: 'testApplication', description, throttlingPolicy: appTier, tokenType: 'JWT' }));
    expect(created.status).toBe(201);
    const id = created.body.applicationId;
    const tier = await store.applicationsApplicationIdPut(id, applicationDto({ name: 'testApplication', description, throttlingPolicy: '20PerMin', tokenType: 'JWT' }));
    expect(tier.text).toContain('20PerMin');
    const name = await store.applicationsApplicationIdPut(id, applicationDto({ name: 'UpdateApplication', description, throttlingPolicy: appTier, tokenType: 'JWT' }));
    expect(name.text).toContain('UpdateApplication');
    const desc = await store.applicationsApplicationIdPut(id, applicationDto({ name: 'testApplication', description: 'Application updated', throttlingPolicy: '20PerMin', tokenType: 'JWT' }));
    expect(desc.text).toContain('Application updated');
  });

  it('testRemoveApplication', async () => {
    const created = await store.applicationsPost<{ applicationId: string }>(applicationDto({ name: 'RemoveMeApp', description, throttlingPolicy: appTier, tokenType: 'JWT' }));
    expect(created.status).toBe(201);
    const got = await store.applicationsApplicationIdGet<{ applicationId: string }>(created.body.applicationId);
    expect((await store.applicationsApplicationIdDelete(got.body.applicationId)).status).toBe(200);
    expect((await store.applicationsApplicationIdGet(created.body.applicationId)).status).toBe(404);
  });

  it('testApplicationCreationWithCustomAttributes', async () => {
    const created = await store.applicationsPost(
      applicationDto({ name: 'NewApplication6', description, throttlingPolicy: appTier, tokenType: 'JWT', attributes: { billing_tier: 'default_tier' } }),
    );
    expect(created.status).toBe(201);
  });
});
