import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, FieldError, Form, Heading, Input, Label, Link, Radio, RadioGroup, SearchField, TextArea, TextField } from 'react-aria-components';
import { useNavigate, useSearchParams } from 'react-router';
import { api, ApiError, unwrap } from '../api/client';
import { RequestError, ServiceProblem } from '../components/ServiceProblem';

const PAGE_SIZE = 10;

/** The user's applications, a page at a time from the server, filtered by name on the server. */
export function ApplicationsPage() {
  const [params, setParams] = useSearchParams();
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const query = params.get('query') ?? '';
  const list = useQuery({
    queryKey: ['applications', { offset, query }],
    queryFn: async () =>
      unwrap(await api.GET('/api/am/devportal/v3/applications', { params: { query: { limit: PAGE_SIZE, offset, ...(query ? { query } : {}) } } })),
    placeholderData: keepPreviousData,
  });
  const total = list.data?.pagination.total ?? 0;
  return (
    <section className="page">
      <div className="page-head">
        <Heading level={1}>Applications</Heading>
        <Link href="/applications/new" className="button">
          Create application
        </Link>
      </div>
      <SearchField
        className="search"
        defaultValue={query}
        aria-label="Filter by name"
        onSubmit={(value) => setParams(value ? { query: value } : {})}
        onClear={() => setParams({})}
      >
        <Label>Filter by name</Label>
        <Input placeholder="Name contains…" />
      </SearchField>
      {list.isError && <ServiceProblem error={list.error} onRetry={() => void list.refetch()} />}
      {list.isPending && <p aria-live="polite">Loading…</p>}
      {list.data && list.data.count === 0 && (
        <div className="card empty">
          {query ? (
            <p>No application matches “{query}”.</p>
          ) : (
            <>
              <p>
                <strong>You have no applications yet.</strong> An application holds the OAuth2 keys (consumer key and secret) your
                software uses to get access tokens.
              </p>
              <Link href="/applications/new" className="button">
                Create your first application
              </Link>
            </>
          )}
        </div>
      )}
      {list.data && list.data.count > 0 && (
        <>
          <table className="table">
            <caption className="visually-hidden">Your applications</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Token type</th>
                <th scope="col">Business plan</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {list.data.list.map((app) => (
                <tr key={app.applicationId}>
                  <td>
                    <Link href={`/applications/${app.applicationId}`}>{app.name}</Link>
                  </td>
                  <td>{app.tokenType === 'OAUTH' ? 'Opaque' : 'JWT'}</td>
                  <td>{app.throttlingPolicy}</td>
                  <td>{app.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="pager" aria-label="Pages">
            <Button className="button secondary small" isDisabled={offset === 0} onPress={() => setParams({ ...(query ? { query } : {}), offset: String(Math.max(0, offset - PAGE_SIZE)) })}>
              Previous
            </Button>
            <span aria-live="polite">
              {offset + 1}–{offset + list.data.count} of {total}
            </span>
            <Button className="button secondary small" isDisabled={offset + PAGE_SIZE >= total} onPress={() => setParams({ ...(query ? { query } : {}), offset: String(offset + PAGE_SIZE) })}>
              Next
            </Button>
          </nav>
        </>
      )}
    </section>
  );
}

export interface ApplicationFields {
  name: string;
  description: string;
  throttlingPolicy: 'Unlimited' | '50PerMin' | '20PerMin' | '10PerMin';
  tokenType: 'JWT' | 'OAUTH';
}

/** The create and edit form: errors from the API are shown next to the field they name. */
export function ApplicationForm(props: { initial: ApplicationFields; submitLabel: string; onSubmit: (fields: ApplicationFields) => void; error: unknown; pending: boolean; onRetry: () => void }) {
  const [fields, setFields] = useState(props.initial);
  const error = props.error instanceof ApiError && !props.error.retryable ? props.error : undefined;
  const nameError = error && /name/i.test(error.body.description) ? error.body.description : undefined;
  return (
    <>
      {props.error instanceof ApiError && props.error.retryable && <ServiceProblem error={props.error} onRetry={props.onRetry} />}
      <Form
        className="card form"
        validationErrors={nameError ? { name: nameError } : {}}
        onSubmit={(e) => {
          e.preventDefault();
          props.onSubmit(fields);
        }}
      >
        <TextField name="name" isRequired maxLength={100} value={fields.name} onChange={(name) => setFields({ ...fields, name })}>
          <Label>Name</Label>
          <Input />
          <FieldError />
        </TextField>
        <TextField name="description" maxLength={512} value={fields.description} onChange={(description) => setFields({ ...fields, description })}>
          <Label>Description</Label>
          <TextArea rows={2} />
        </TextField>
        <RadioGroup value={fields.tokenType} onChange={(v) => setFields({ ...fields, tokenType: v as ApplicationFields['tokenType'] })} className="radio-group">
          <Label>Token type</Label>
          <Radio value="JWT">JWT</Radio>
          <Radio value="OAUTH">Opaque (OAuth)</Radio>
        </RadioGroup>
        <RadioGroup value={fields.throttlingPolicy} onChange={(v) => setFields({ ...fields, throttlingPolicy: v as ApplicationFields['throttlingPolicy'] })} className="radio-group">
          <Label>Business plan</Label>
          {(['Unlimited', '50PerMin', '20PerMin', '10PerMin'] as const).map((p) => (
            <Radio key={p} value={p}>
              {p}
            </Radio>
          ))}
        </RadioGroup>
        {error && !nameError && <RequestError error={error} />}
        <div className="actions">
          <Button type="submit" className="button" isDisabled={props.pending}>
            {props.submitLabel}
          </Button>
        </div>
      </Form>
    </>
  );
}

export function CreateApplicationPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: async (fields: ApplicationFields) => unwrap(await api.POST('/api/am/devportal/v3/applications', { body: fields })),
    onSuccess: async (app) => {
      await queryClient.invalidateQueries({ queryKey: ['applications'] });
      void navigate(`/applications/${app.applicationId}`);
    },
  });
  return (
    <section className="page narrow">
      <Heading level={1}>Create application</Heading>
      <ApplicationForm
        initial={{ name: '', description: '', throttlingPolicy: 'Unlimited', tokenType: 'JWT' }}
        submitLabel="Create"
        onSubmit={(fields) => create.mutate(fields)}
        onRetry={() => create.variables && create.mutate(create.variables)}
        error={create.error}
        pending={create.isPending}
      />
    </section>
  );
}
