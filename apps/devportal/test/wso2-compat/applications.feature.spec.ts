// Ports wso2/product-apim @ 140e5b9079d232920f192aeed98f16171b07e40c
//   all-in-one-apim/modules/integration-v2/tests-integration/cucumber-tests/src/test/resources/features/devportal/applications.feature
// with its payloads artifacts/payloads/create_apim_test_app.json and update_apim_test_app.json, sent as WSO2's
// generated client sends them (wso2-store-client.ts).
//
// Left out: the tenant1.com examples (no tenants here); "A publisher-role user without app-management scope
// cannot create an application" (no roles or scopes in this portal: every signed-in user manages their own
// applications — docs/devportal.md "WSO2 compatibility").
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startCompatStack, type CompatStack } from './compat-stack.js';
import { applicationDto, unique, type Wso2StoreClient } from './wso2-store-client.js';

// Each file starts a Key Manager and a portal: generous for a loaded machine.
jest.setTimeout(180_000);

let compat: CompatStack;
let subscriber: Wso2StoreClient;
let admin: Wso2StoreClient;

// artifacts/payloads/create_apim_test_app.json and update_apim_test_app.json
const createPayload = () => ({ name: unique('APIMTestApp'), throttlingPolicy: 'Unlimited', description: 'Test application for scenarios' });
const updatePayload = () => ({ ...createPayload(), groups: ['org1'] });

beforeAll(async () => {
  compat = await startCompatStack('applications');
  subscriber = await compat.clientFor('subscriberUser');
  admin = await compat.clientFor('admin-user');
});

afterAll(async () => {
  await compat?.stop();
});

describe('devportal/applications.feature', () => {
  it('Create, update and delete an application as subscriberUser', async () => {
    const created = await subscriber.applicationsPost<{ applicationId: string; name: string }>(applicationDto(createPayload()));
    expect(created.status).toBe(201);
    const id = created.body.applicationId;
    expect((await subscriber.applicationsApplicationIdGet(id)).status).toBe(200);

    // The update payload carries WSO2's `groups`, which WSO2's default server drops silently, as here.
    const update = applicationDto({ ...updatePayload(), name: created.body.name, description: 'This app has been edited', throttlingPolicy: '10PerMin' });
    const updated = await subscriber.applicationsApplicationIdPut(id, update);
    expect(updated.status).toBe(200);
    expect(updated.text).toContain('This app has been edited');
    expect(updated.text).toContain('10PerMin');
    const reread = await subscriber.applicationsApplicationIdGet(id);
    expect(reread.status).toBe(200);
    expect(reread.text).toContain('This app has been edited');
    expect(reread.text).toContain('10PerMin');

    expect((await subscriber.applicationsApplicationIdDelete(id)).status).toBe(200);
  });

  it('Creating an application with an already-used name is rejected as subscriberUser', async () => {
    const first = await subscriber.applicationsPost<{ name: string }>(applicationDto(createPayload()));
    expect(first.status).toBe(201);
    const second = await subscriber.applicationsPost(applicationDto({ ...createPayload(), name: first.body.name }));
    expect(second.status).toBe(409);
    expect(second.text).toContain(`An application already exists with name ${first.body.name}`);
    // "the response's numeric `code` field is the HTTP 409, not a distinct APIM error code"
    expect(second.body).toMatchObject({ code: 409 });
  });

  it('Two different owners can hold same-named applications independently as admin', async () => {
    const sharedName = unique('SharedNameApp');
    const adminApp = await admin.applicationsPost<{ applicationId: string; name: string }>(applicationDto({ ...createPayload(), name: sharedName }));
    expect(adminApp.status).toBe(201);
    const subApp = await subscriber.applicationsPost<{ applicationId: string }>(applicationDto({ ...createPayload(), name: adminApp.body.name }));
    expect(subApp.status).toBe(201);
    expect(subApp.body.applicationId).not.toBe(adminApp.body.applicationId);

    expect((await subscriber.applicationsApplicationIdDelete(subApp.body.applicationId)).status).toBe(200);
    expect((await subscriber.applicationsApplicationIdGet(subApp.body.applicationId)).status).toBe(404);
    const survivor = await admin.applicationsApplicationIdGet(adminApp.body.applicationId);
    expect(survivor.status).toBe(200);
    expect(survivor.text).toContain(sharedName);
  });
});
