import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Checkbox, CheckboxGroup, FieldError, Form, Heading, Input, Label, Tab, TabList, TabPanel, Tabs, Text, TextField } from 'react-aria-components';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { api, ApiError, unwrap, type ApplicationKey } from '../api/client';
import { useSession } from '../api/session';
import { ConfirmButton } from '../components/ConfirmDialog';
import { CopyButton } from '../components/CopyButton';
import { RequestError, ServiceProblem } from '../components/ServiceProblem';
import { ConsumerSecrets } from './ConsumerSecrets';
import { NotFoundPage } from './NotFoundPage';
import { ApplicationForm } from './ApplicationsPage';

type KeyType = 'PRODUCTION' | 'SANDBOX';
const GRANTS = [
  ['client_credentials', 'Client credentials'],
  ['password', 'Password'],
  ['refresh_token', 'Refresh token'],
  ['authorization_code', 'Authorization code'],
  ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'JWT bearer'],
  ['urn:ietf:params:oauth:grant-type:token-exchange', 'Token exchange'],
  ['urn:ietf:params:oauth:grant-type:device_code', 'Device code'],
] as const;

export function ApplicationPage() {
  const { applicationId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const [editing, setEditing] = useState(false);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const path = { path: { applicationId } };
  const app = useQuery({
    queryKey: ['application', applicationId],
    queryFn: async () => unwrap(await api.GET('/api/am/devportal/v3/applications/{applicationId}', { params: path })),
  });
  const update = useMutation({
    mutationFn: async (fields: Parameters<Parameters<typeof ApplicationForm>[0]['onSubmit']>[0]) =>
      unwrap(await api.PUT('/api/am/devportal/v3/applications/{applicationId}', { params: path, body: fields })),
    onSuccess: async () => {
      setEditing(false);
      await queryClient.invalidateQueries({ queryKey: ['application', applicationId] });
      await queryClient.invalidateQueries({ queryKey: ['applications'] });
    },
  });
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/api/am/devportal/v3/applications/{applicationId}', { params: path })),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: ['application', applicationId] });
      await queryClient.invalidateQueries({ queryKey: ['applications'] });
      void navigate('/applications');
    },
  });
  if (app.error instanceof ApiError && (app.error.status === 404 || app.error.status === 400)) return <NotFoundPage what="application" />;
  if (app.isError) return <ServiceProblem error={app.error} onRetry={() => void app.refetch()} />;
  if (!app.data) return <p aria-live="polite">Loading…</p>;
  const tab = params.get('tab') === 'sandbox' ? 'SANDBOX' : 'PRODUCTION';
  return (
    <section className="page">
      <div className="page-head">
        <Heading level={1}>{app.data.name}</Heading>
        <div className="actions">
          <Button className="button secondary" onPress={() => setEditing(!editing)}>
            {editing ? 'Cancel editing' : 'Edit'}
          </Button>
          <ConfirmButton label="Delete application" title={`Delete “${app.data.name}”?`} confirmLabel="Delete" danger onConfirm={() => remove.mutate()}>
            <p>
              This deletes <strong>{app.data.name}</strong>, its keys, and revokes every token issued to them. It cannot be undone.
            </p>
          </ConfirmButton>
        </div>
      </div>
      <RequestError error={remove.error} onRetry={() => remove.mutate()} />
      {app.data.description && <p>{app.data.description}</p>}
      <p className="muted">
        {app.data.tokenType === 'OAUTH' ? 'Opaque' : 'JWT'} tokens · {app.data.throttlingPolicy} · {app.data.status}
      </p>
      {editing && (
        <ApplicationForm
          initial={{ name: app.data.name, description: app.data.description ?? '', throttlingPolicy: app.data.throttlingPolicy as 'Unlimited', tokenType: app.data.tokenType }}
          submitLabel="Save"
          onSubmit={(fields) => update.mutate(fields)}
          onRetry={() => update.variables && update.mutate(update.variables)}
          error={update.error}
          pending={update.isPending}
        />
      )}
      <Tabs selectedKey={tab} onSelectionChange={(key) => setParams(key === 'SANDBOX' ? { tab: 'sandbox' } : {}, { replace: true })}>
        <TabList aria-label="Keys" className="tab-list">
          <Tab id="PRODUCTION" className="tab">
            Production keys
          </Tab>
          <Tab id="SANDBOX" className="tab">
            Sandbox keys
          </Tab>
        </TabList>
        {(['PRODUCTION', 'SANDBOX'] as const).map((keyType) => (
          <TabPanel key={keyType} id={keyType} className="tab-panel">
            <KeyPanel applicationId={applicationId} keyType={keyType} />
          </TabPanel>
        ))}
      </Tabs>
    </section>
  );
}

function useKeys(applicationId: string) {
  return useQuery({
    queryKey: ['keys', applicationId],
    queryFn: async () => unwrap(await api.GET('/api/am/devportal/v3/applications/{applicationId}/oauth-keys', { params: { path: { applicationId } } })),
  });
}

function KeyPanel({ applicationId, keyType }: { applicationId: string; keyType: KeyType }) {
  const keys = useKeys(applicationId);
  // A secret the deployment stores only as a hash is shown once, by the answer that issued it.
  const [issuedSecret, setIssuedSecret] = useState<string | undefined>();
  if (keys.isError) return <ServiceProblem error={keys.error} onRetry={() => void keys.refetch()} />;
  if (!keys.data) return <p aria-live="polite">Loading…</p>;
  const key = keys.data.list.find((k) => k.keyType === keyType);
  const label = keyType === 'PRODUCTION' ? 'production' : 'sandbox';
  if (!key) return <GenerateKeysForm applicationId={applicationId} keyType={keyType} label={label} onIssued={setIssuedSecret} />;
  return <KeyDetails applicationId={applicationId} appKey={key} label={label} issuedSecret={issuedSecret} onIssued={setIssuedSecret} />;
}

function GenerateKeysForm({ applicationId, keyType, label, onIssued }: { applicationId: string; keyType: KeyType; label: string; onIssued: (secret: string | undefined) => void }) {
  const queryClient = useQueryClient();
  const [grants, setGrants] = useState<string[]>(['client_credentials', 'password', 'refresh_token']);
  const [callbackUrl, setCallbackUrl] = useState('');
  const [validity, setValidity] = useState('3600');
  const [scopes, setScopes] = useState('');
  const scopeList = scopes.split(/\s+/).filter(Boolean);
  const generate = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/am/devportal/v3/applications/{applicationId}/generate-keys', {
          params: { path: { applicationId } },
          body: {
            keyType,
            grantTypesToBeSupported: grants as Array<(typeof GRANTS)[number][0]>,
            ...(callbackUrl ? { callbackUrl } : {}),
            validityTime: Number(validity),
            ...(scopeList.length > 0 ? { scopes: scopeList } : {}),
          },
        }),
      ),
    onSuccess: async (key) => {
      onIssued(key.consumerSecret);
      await queryClient.invalidateQueries({ queryKey: ['keys', applicationId] });
    },
  });
  const error = generate.error instanceof ApiError && !generate.error.retryable ? generate.error : undefined;
  const callbackError = error && /callback/i.test(error.body.description) ? error.body.description : undefined;
  const grantError = error && !callbackError && /grant/i.test(error.body.description) ? error.body.description : undefined;
  return (
    <div className="card">
      <Heading level={2}>Generate {label} keys</Heading>
      {generate.error instanceof ApiError && generate.error.retryable && <ServiceProblem error={generate.error} onRetry={() => generate.mutate()} />}
      <Form
        className="form"
        validationErrors={{ ...(callbackError ? { callbackUrl: callbackError } : {}), ...(grantError ? { grants: grantError } : {}) }}
        onSubmit={(e) => {
          e.preventDefault();
          generate.mutate();
        }}
      >
        <CheckboxGroup name="grants" value={grants} onChange={setGrants} isRequired className="checkbox-group" validate={(v) => (v.length === 0 ? 'Choose at least one grant type.' : null)}>
          <Label>Grant types</Label>
          {GRANTS.map(([value, text]) => (
            <Checkbox key={value} value={value}>
              <span className="box" aria-hidden="true" />
              {text}
            </Checkbox>
          ))}
          <FieldError />
        </CheckboxGroup>
        <TextField
          name="callbackUrl"
          type="url"
          value={callbackUrl}
          onChange={setCallbackUrl}
          isRequired={grants.includes('authorization_code')}
          validate={(v) => (grants.includes('authorization_code') && !v ? 'A callback URL is required with the authorization code grant.' : null)}
        >
          <Label>Callback URL{grants.includes('authorization_code') ? '' : ' (optional)'}</Label>
          <Input placeholder="https://app.example.com/callback" />
          <FieldError />
        </TextField>
        <TextField name="validityTime" type="number" value={validity} onChange={setValidity} isRequired inputMode="numeric" validate={(v) => (/^\d+$/.test(v) ? null : 'Enter a number of seconds.')}>
          <Label>Application token validity (seconds)</Label>
          <Input />
          <FieldError />
        </TextField>
        <TextField name="scopes" value={scopes} onChange={setScopes}>
          <Label>Scopes the keys may be granted (space-separated, optional)</Label>
          <Input placeholder="orders:read orders:write" />
          <Text slot="description" className="muted">Tokens get only these (and openid); a token granted none says default.</Text>
        </TextField>
        {error && !callbackError && !grantError && <RequestError error={error} />}
        <div className="actions">
          <Button type="submit" className="button" isDisabled={generate.isPending}>
            Generate keys
          </Button>
        </div>
      </Form>
    </div>
  );
}

function KeyDetails({ applicationId, appKey, label, issuedSecret, onIssued }: { applicationId: string; appKey: ApplicationKey; label: string; issuedSecret: string | undefined; onIssued: (secret: string | undefined) => void }) {
  const queryClient = useQueryClient();
  const [revealed, setRevealed] = useState(false);
  const keyPath = { path: { applicationId, keyMappingId: appKey.keyMappingId } };
  const secret = appKey.consumerSecret ?? issuedSecret;
  const regenerate = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/am/devportal/v3/applications/{applicationId}/oauth-keys/{keyMappingId}/regenerate-secret', { params: keyPath })),
    onSuccess: async (answer) => {
      onIssued(answer.consumerSecret);
      setRevealed(false);
      await queryClient.invalidateQueries({ queryKey: ['keys', applicationId] });
    },
  });
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/api/am/devportal/v3/applications/{applicationId}/oauth-keys/{keyMappingId}', { params: keyPath })),
    onSuccess: async () => {
      onIssued(undefined);
      await queryClient.invalidateQueries({ queryKey: ['keys', applicationId] });
    },
  });
  return (
    <div className="card">
      <Heading level={2}>{label[0]!.toUpperCase() + label.slice(1)} keys</Heading>
      <dl className="key-list">
        <dt>Consumer key</dt>
        <dd>
          <code data-testid="consumer-key">{appKey.consumerKey}</code> <CopyButton value={appKey.consumerKey} label="consumer key" />
        </dd>
        <dt>Consumer secret</dt>
        <dd>
          {secret ? (
            <>
              <code data-testid="consumer-secret">{revealed ? secret : '•'.repeat(24)}</code>{' '}
              <Button className="button secondary small" onPress={() => setRevealed(!revealed)} aria-pressed={revealed}>
                {revealed ? 'Hide' : 'Reveal'}
              </Button>{' '}
              <CopyButton value={secret} label="consumer secret" />
              {!appKey.consumerSecret && <p className="muted">This deployment stores secrets as hashes: copy it now, it will not be shown again.</p>}
            </>
          ) : (
            <span className="muted">Not shown: stored as a hash (it was shown once, when it was issued), or revoked for a newer secret below. Regenerate it to get a new one.</span>
          )}
        </dd>
        <dt>Grant types</dt>
        <dd>{appKey.supportedGrantTypes.join(', ')}</dd>
        {appKey.callbackUrl && (
          <>
            <dt>Callback URL</dt>
            <dd>
              <code>{appKey.callbackUrl}</code>
            </dd>
          </>
        )}
      </dl>
      <RequestError error={regenerate.error ?? remove.error} onRetry={() => (regenerate.error ? regenerate.mutate() : remove.mutate())} />
      <div className="actions">
        <ConfirmButton label="Regenerate secret" title="Regenerate the consumer secret?" confirmLabel="Regenerate" onConfirm={() => regenerate.mutate()}>
          <p>The current secret stops working at once, and so does every secret added below: every client using them must get the new one.</p>
        </ConfirmButton>
        <ConfirmButton label={`Delete ${label} keys`} title={`Delete the ${label} keys?`} confirmLabel="Delete keys" danger onConfirm={() => remove.mutate()}>
          <p>The consumer key and secret stop working and every token issued to them is revoked.</p>
        </ConfirmButton>
      </div>
      <ConsumerSecrets
        applicationId={applicationId}
        keyMappingId={appKey.keyMappingId}
        onOwnRevoked={() => {
          onIssued(undefined);
          void queryClient.invalidateQueries({ queryKey: ['keys', applicationId] });
        }}
      />
      {appKey.supportedGrantTypes.includes('client_credentials') && <GenerateTokenForm applicationId={applicationId} appKey={appKey} secret={secret} />}
    </div>
  );
}

function GenerateTokenForm({ applicationId, appKey, secret }: { applicationId: string; appKey: ApplicationKey; secret: string | undefined }) {
  const [validity, setValidity] = useState('3600');
  const [scopes, setScopes] = useState('');
  const [consumerSecret, setConsumerSecret] = useState('');
  const token = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/am/devportal/v3/applications/{applicationId}/oauth-keys/{keyMappingId}/generate-token', {
          params: { path: { applicationId, keyMappingId: appKey.keyMappingId } },
          body: { consumerSecret: secret ?? consumerSecret, validityPeriod: Number(validity), ...(scopes.trim() ? { scopes: scopes.split(/\s+/).filter(Boolean) } : {}) },
        }),
      ),
  });
  const error = token.error instanceof ApiError && !token.error.retryable ? token.error : undefined;
  const keyManagerUrl = useSession().data?.keyManagerUrl ?? '<key manager>';
  // The secret stays out of the command (it would land in shell history): curl asks for it.
  const introspect = token.data ? `curl -s -u '${appKey.consumerKey}' -d 'token=${token.data.accessToken}' ${keyManagerUrl}/oauth2/introspect` : '';
  return (
    <div className="subsection">
      <Heading level={3}>Generate an access token</Heading>
      {token.error instanceof ApiError && token.error.retryable && <ServiceProblem error={token.error} onRetry={() => token.mutate()} />}
      <Form
        className="form inline-form"
        validationErrors={error && /secret/i.test(error.body.description) ? { consumerSecret: error.body.description } : {}}
        onSubmit={(e) => {
          e.preventDefault();
          token.mutate();
        }}
      >
        {!secret && (
          <TextField name="consumerSecret" type="password" isRequired value={consumerSecret} onChange={setConsumerSecret}>
            <Label>Consumer secret</Label>
            <Input />
            <FieldError />
          </TextField>
        )}
        <TextField name="validityPeriod" type="number" value={validity} onChange={setValidity} isRequired validate={(v) => (/^-?\d+$/.test(v) ? null : 'Enter a number of seconds.')}>
          <Label>Validity (seconds)</Label>
          <Input />
          <FieldError />
        </TextField>
        <TextField name="scopes" value={scopes} onChange={setScopes}>
          <Label>Scopes (space-separated, optional: the keys' scopes when empty)</Label>
          <Input />
        </TextField>
        {error && !/secret/i.test(error.body.description) && <RequestError error={error} />}
        <div className="actions">
          <Button type="submit" className="button" isDisabled={token.isPending}>
            Generate access token
          </Button>
        </div>
      </Form>
      {token.data && (
        <div className="token-box" role="status">
          <p>
            <strong>Your access token</strong> — copy it now: it is shown only once.
          </p>
          <code data-testid="access-token">{token.data.accessToken}</code> <CopyButton value={token.data.accessToken} label="access token" />
          <p className="muted">
            Valid for {token.data.validityTime} s{token.data.tokenScopes.length > 0 ? `; scopes: ${token.data.tokenScopes.join(' ')}` : ''}. Check it at the Key Manager (curl asks for the consumer secret):
          </p>
          <pre className="curl">
            <code>{introspect}</code>
          </pre>
          <CopyButton value={introspect} label="curl command" />
        </div>
      )}
    </div>
  );
}
