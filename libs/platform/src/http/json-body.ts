import { BadRequestException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * How deeply a JSON body may nest. Nothing either API takes goes past a handful of levels; 30,000 nested
 * arrays in 64 KiB once overflowed the stack of the validation layer (a 500). Refused at parsing instead.
 */
export const MAX_JSON_DEPTH = 32;

/** True when `text` nests arrays and objects deeper than `max` (one linear pass; strings are skipped). */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/** A JSON body nested deeper than {@link MAX_JSON_DEPTH}: 400, before anything walks it. */
export class JsonTooDeepError extends BadRequestException {
  constructor() {
    super(`The request body nests JSON more than ${MAX_JSON_DEPTH} levels deep.`);
  }
}

export interface JsonBodyOptions {
  bodyLimit: number;
  /** An empty body with `Content-Type: application/json` is no body (DCR clients send it on GET and DELETE); else an error. */
  emptyBodyIsAbsent?: boolean;
}

/**
 * The one JSON body parser of both services: Fastify's own (prototype poisoning refused), behind the depth
 * limit.
 */
export function useJsonBodyParser(app: NestFastifyApplication, options: JsonBodyOptions): void {
  const fastify = app.getHttpAdapter().getInstance();
  const strictJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', { bodyLimit: options.bodyLimit }, (request, body, done) => {
    if (body.length === 0 && options.emptyBodyIsAbsent) return done(null, undefined);
    const text = body.toString('utf8');
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) return done(new JsonTooDeepError(), undefined);
    void strictJson(request as Parameters<typeof strictJson>[0], text, done);
  });
}
