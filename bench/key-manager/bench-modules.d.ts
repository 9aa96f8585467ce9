// Minimal typings for the two untyped packages the benchmark drives (only what it uses).

declare module 'autocannon' {
  export interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p99: number;
    total: number;
  }
  export interface Result {
    requests: Histogram;
    latency: Histogram;
    non2xx: number;
    errors: number;
    timeouts: number;
    duration: number;
  }
  export interface Options {
    url: string;
    connections?: number;
    duration?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Stop after this many requests (instead of after `duration`). */
    amount?: number;
    /** Milliseconds between samples (1,000 by default); the result, `duration` included, comes at the first sample after the last answer. */
    sampleInt?: number;
    /** A sequence of requests each connection sends in turn; setupRequest may rewrite each one before it goes. */
    requests?: RequestSpec[];
  }
  export interface RequestSpec {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (request: RequestSpec) => RequestSpec;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}

declare module 'oidc-provider' {
  import type { Server } from 'node:http';
  class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    listen(port: number, host: string, callback?: () => void): Server;
  }
  export default Provider;
}
