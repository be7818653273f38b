import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import type { AnyRoute } from './http/route';
import { Problem } from './schemas';

export const SECURITY_SCHEMES = {
  keycloak: 'keycloak',
  device: 'deviceToken',
  alerts: 'alertWebhookSecret',
  metrics: 'metricsSecret',
} as const;

function securityOf(r: AnyRoute): Record<string, string[]>[] {
  switch (r.access.kind) {
    case 'public':
      return [];
    case 'user':
      return [{ [SECURITY_SCHEMES.keycloak]: [...r.access.roles] }];
    case 'device':
      return [{ [SECURITY_SCHEMES.device]: [] }];
    case 'secret':
      return [{ [r.access.secret === 'alerts' ? SECURITY_SCHEMES.alerts : SECURITY_SCHEMES.metrics]: [] }];
  }
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
});

/** The OpenAPI 3.1 document of exactly the routes the app mounts, from the same schemas that validate them. */
export function buildOpenApi(
  routes: readonly AnyRoute[],
  info: { version: string; serverUrl: string; requiredAcr: readonly string[] },
) {
  const registry = new OpenAPIRegistry();
  registry.register('Problem', Problem);
  registry.registerComponent('securitySchemes', SECURITY_SCHEMES.keycloak, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: `Keycloak access token of realm carbonreducer (RS256, aud carbonreducer-api, acr ${info.requiredAcr.join(' or ')}). Scopes list the realm roles allowed.`,
  });
  registry.registerComponent('securitySchemes', SECURITY_SCHEMES.device, {
    type: 'http',
    scheme: 'bearer',
    description: 'Per-device token crd.<id>.<secret> returned once by POST /api/auth/homes/{homeId}/devices',
  });
  registry.registerComponent('securitySchemes', SECURITY_SCHEMES.alerts, {
    type: 'http',
    scheme: 'bearer',
    description: 'API_ALERT_WEBHOOK_TOKEN',
  });
  registry.registerComponent('securitySchemes', SECURITY_SCHEMES.metrics, {
    type: 'http',
    scheme: 'bearer',
    description: 'API_METRICS_TOKEN',
  });

  for (const r of routes) {
    const responses: RouteConfig['responses'] = {
      [r.response.status]: r.response.schema
        ? { description: r.response.description, content: { 'application/json': { schema: r.response.schema } } }
        : r.response.contentType
          ? {
              description: r.response.description,
              content: { [r.response.contentType]: { schema: { type: 'string' } } },
            }
          : { description: r.response.description },
    };
    if (r.access.kind !== 'public') responses[401] = problem('Missing or refused credentials (the code says why)');
    if (r.access.kind === 'user') responses[403] = problem('None of your roles may call this (role_forbidden)');
    if (r.access.kind === 'user' && r.access.home)
      responses[404] = problem('No such home, or not yours (home_not_found)');
    if (r.params || r.query || r.body) responses[422] = problem('Input does not match the schema (field names it)');
    if (r.body) {
      responses[400] = problem('Body is not valid JSON');
      responses[413] = problem('Body too large');
      responses[415] = problem('Body is not application/json');
    }
    for (const status of r.errors ?? []) responses[status] ??= problem('See the problem code');
    if (r.id === 'healthz')
      responses[503] = {
        description: 'A dependency does not answer',
        content: { 'application/json': { schema: r.response.schema as z.ZodType } },
      };
    registry.registerPath({
      method: r.method,
      path: r.path,
      operationId: r.id,
      summary: r.summary,
      tags: [r.tag],
      security: securityOf(r),
      request: {
        ...(r.params ? { params: r.params as never } : {}),
        ...(r.query ? { query: r.query as never } : {}),
        ...(r.body ? { body: { required: true, content: { 'application/json': { schema: r.body.schema } } } } : {}),
      },
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'CarbonReducer API',
      version: info.version,
      description:
        'The one policy point for homes, devices, data, forecasts and plans. Errors are application/problem+json with a stable code.',
    },
    servers: [{ url: info.serverUrl }],
  });
}
