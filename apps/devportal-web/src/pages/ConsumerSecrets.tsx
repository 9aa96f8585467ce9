import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, FieldError, Form, Heading, Input, Label, Text, TextField } from 'react-aria-components';
import { api, ApiError, unwrap } from '../api/client';
import { ConfirmButton } from '../components/ConfirmDialog';
import { CopyButton } from '../components/CopyButton';
import { RequestError, ServiceProblem } from '../components/ServiceProblem';

const DAY = 86_400;

function when(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toLocaleString();
}

/**
 * A key's consumer secrets (WSO2 4.7's several secrets per key): the list without values, a new secret shown
 * once, and revocation. Rotating without a lock-out: add a secret, roll it out, revoke the old one.
 */
export function ConsumerSecrets({ applicationId, keyMappingId, onOwnRevoked }: { applicationId: string; keyMappingId: string; onOwnRevoked: () => void }) {
  const queryClient = useQueryClient();
  const keyPath = { path: { applicationId, keyMappingId } };
  const queryKey = ['secrets', applicationId, keyMappingId];
  const [description, setDescription] = useState('');
  const [days, setDays] = useState('');
  const secrets = useQuery({
    queryKey,
    queryFn: async () => unwrap(await api.GET('/api/am/devportal/v3/applications/{applicationId}/oauth-keys/{keyMappingId}/secrets', { params: keyPath })),
  });
  const generate = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/am/devportal/v3/applications/{applicationId}/oauth-keys/{keyMappingId}/generate-secret', {
          params: keyPath,
          body: { additionalProperties: { ...(description.trim() ? { description: description.trim() } : {}), ...(days.trim() ? { expiresIn: Number(days) * DAY } : {}) } },
        }),
      ),
    onSuccess: async () => {
      setDescription('');
      setDays('');
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const revoke = useMutation({
    mutationFn: async (secretId: string) =>
      unwrap(await api.POST('/api/am/devportal/v3/applications/{applicationId}/oauth-keys/{keyMappingId}/revoke-secret', { params: keyPath, body: { secretId } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey });
      onOwnRevoked();
    },
  });
  const error = generate.error instanceof ApiError && !generate.error.retryable ? generate.error : undefined;
  const list = secrets.data?.list ?? [];
  return (
    <div className="subsection">
      <Heading level={3}>Consumer secrets</Heading>
      <p className="muted">Any of these authenticates the keys. To rotate without a lock-out, add a secret, give it to your services, then revoke the old one. The most recent secret cannot be revoked.</p>
      {secrets.isError && <ServiceProblem error={secrets.error} onRetry={() => void secrets.refetch()} />}
      {list.length > 0 && (
        <table className="table" data-testid="secrets-table">
          <thead>
            <tr>
              <th scope="col">Description</th>
              <th scope="col">Expires</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((s, index) => {
              const expiresAt = s.additionalProperties.expiresAt;
              const expired = expiresAt > 0 && expiresAt * 1000 <= Date.now();
              return (
                <tr key={s.secretId} data-secret-id={s.secretId}>
                  <td>{s.additionalProperties.description ?? <span className="muted">—</span>}</td>
                  <td>{expiresAt === 0 ? 'never' : `${when(expiresAt)}${expired ? ' (expired)' : ''}`}</td>
                  <td>{when(s.additionalProperties.createdAt)}</td>
                  <td>
                    {index > 0 && (
                      <ConfirmButton label="Revoke" title="Revoke this consumer secret?" confirmLabel="Revoke secret" danger onConfirm={() => revoke.mutate(s.secretId)}>
                        <p>It stops working at once. Tokens already issued with it stay valid until they expire.</p>
                      </ConfirmButton>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <RequestError error={revoke.error} onRetry={() => revoke.variables && revoke.mutate(revoke.variables)} />
      {generate.error instanceof ApiError && generate.error.retryable && <ServiceProblem error={generate.error} onRetry={() => generate.mutate()} />}
      <Form
        className="form inline-form"
        validationErrors={error && /expir/i.test(error.body.description) ? { days: error.body.description } : {}}
        onSubmit={(e) => {
          e.preventDefault();
          generate.mutate();
        }}
      >
        <TextField name="description" value={description} onChange={setDescription} maxLength={1024}>
          <Label>Description (optional)</Label>
          <Input placeholder="CI pipeline" />
        </TextField>
        <TextField name="days" type="number" value={days} onChange={setDays} validate={(v) => (v === '' || /^\d+$/.test(v) ? null : 'Enter a whole number of days.')}>
          <Label>Expires in (days, optional)</Label>
          <Input />
          <Text slot="description" className="muted">Empty: it never expires.</Text>
          <FieldError />
        </TextField>
        {error && !/expir/i.test(error.body.description) && <RequestError error={error} />}
        <div className="actions">
          <Button type="submit" className="button secondary" isDisabled={generate.isPending}>
            Add a secret
          </Button>
        </div>
      </Form>
      {generate.data?.secretValue && (
        <div className="token-box" role="status">
          <p>
            <strong>Your new consumer secret</strong> — copy it now: it is shown only once.
          </p>
          <code data-testid="new-secret">{generate.data.secretValue}</code> <CopyButton value={generate.data.secretValue} label="new consumer secret" />
        </div>
      )}
    </div>
  );
}
