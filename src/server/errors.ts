import type { FastifyError, FastifyInstance } from 'fastify';
import { QueryParamError } from '../query/params.js';
import { StoreUnavailableError } from '../stores/store.js';

/** Stable error codes of the API, each with its HTTP status. */
export const ERROR_STATUS = {
  bad_parameter: 400,
  unknown_format: 400,
  zone_mismatch: 400,
  bad_body: 400,
  bad_url: 400,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  plan_required: 403,
  forbidden_host: 403,
  cross_site: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  idempotency_conflict: 409,
  alert_rules_full: 409,
  body_too_large: 413,
  input_too_large: 413,
  uri_too_long: 414,
  unsupported_encoding: 415,
  unsupported_media_type: 415,
  headers_too_large: 431,
  busy: 503,
  shutting_down: 503,
  store_unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The API's error code for a status that Fastify or Node chose; other statuses answer 400 `bad_request`. */
export function codeForStatus(status: number): ErrorCode {
  const codes: Record<number, ErrorCode> = {
    400: 'bad_body',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    405: 'method_not_allowed',
    408: 'request_timeout',
    413: 'body_too_large',
    414: 'uri_too_long',
    415: 'unsupported_media_type',
    431: 'headers_too_large',
  };
  return codes[status] ?? 'bad_request';
}

/** An error the API answers with its status and `{ error: { code, message } }`. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { param?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

/** The JSON body of an error answer. */
export function errorBody(code: ErrorCode, message: string, param?: string) {
  return { error: param === undefined ? { code, message } : { code, message, param } };
}

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turns one Ajv issue into the parameter it concerns and a sentence on what is allowed. */
export function describeValidation(issue: ValidationIssue, context: string): { param: string; message: string } {
  const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const params = issue.params;
  if (issue.keyword === 'additionalProperties') {
    const param = String(params.additionalProperty);
    return { param, message: `unknown ${context} parameter "${param}"` };
  }
  if (issue.keyword === 'required') {
    const param = String(params.missingProperty);
    return { param, message: `${param} is required` };
  }
  const param = path || context;
  if (issue.keyword === 'enum') {
    const allowed = (params.allowedValues as unknown[]).join(', ');
    return { param, message: `${param} must be one of ${allowed}` };
  }
  return { param, message: `${param} ${issue.message ?? 'is not valid'}` };
}

/** Answers every error as JSON `{ error: { code, message } }` with the right status; logs only server faults. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError | QueryParamError | StoreUnavailableError, request, reply) => {
    if (err instanceof ApiError) {
      if (err.extra.headers) reply.headers(err.extra.headers);
      return reply.code(err.status).send(errorBody(err.code, err.message, err.extra.param));
    }
    if (err instanceof StoreUnavailableError) {
      // Nothing was acknowledged: a client (Logpush, Vector, ingest --server) retries the same batch later.
      request.log.warn({ err: err.message }, 'store unavailable');
      return reply.code(503).header('retry-after', '5').send(errorBody('store_unavailable', err.message));
    }
    if (err instanceof QueryParamError) {
      return reply.code(400).send(errorBody('bad_parameter', err.message, err.param));
    }
    const fastifyError = err as FastifyError;
    if (fastifyError.validation) {
      const { param, message } = describeValidation(
        fastifyError.validation[0] as ValidationIssue,
        fastifyError.validationContext ?? 'request',
      );
      return reply.code(400).send(errorBody('bad_parameter', message, param));
    }
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send(errorBody('body_too_large', fastifyError.message));
    }
    const status = fastifyError.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return reply.code(500).send(errorBody('internal', 'internal error; see the server log'));
    }
    const code = codeForStatus(status);
    return reply.code(ERROR_STATUS[code]).send(errorBody(code, fastifyError.message));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
