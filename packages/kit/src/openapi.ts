import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

/** An OpenAPI 3 security scheme, e.g. `{ type: 'http', scheme: 'bearer' }`. */
export type SecurityScheme =
  | { type: 'http'; scheme: string; bearerFormat?: string; description?: string }
  | { type: 'apiKey'; in: 'header' | 'query' | 'cookie'; name: string; description?: string }

export interface OpenApiOptions {
  description?: string
  tags?: { name: string; description?: string }[]
  securitySchemes?: Record<string, SecurityScheme>
  /** Security requirements applied to every operation unless a route overrides them. */
  security?: Record<string, string[]>[]
}

/**
 * Registers @fastify/swagger before any service route, so every route the service adds in a
 * plugin (`app.register(routes)`) is documented; serves the document at GET /openapi.json and a
 * browsable page at /docs. A route added directly on the root before the app starts loading
 * (`app.get(…)` right after createService) is served but cannot be documented: @fastify/swagger
 * only sees routes added after it loaded, so such a route is reported with a warning.
 */
export function installOpenApi(
  app: FastifyInstance,
  info: { name: string; version: string },
  options: OpenApiOptions = {},
): void {
  let documenting = false
  app.addHook('onRoute', (route) => {
    if (documenting || route.schema?.hide) return
    app.log.warn(
      { method: route.method, url: route.url },
      'route added before the OpenAPI plugin loaded is not documented; add it inside app.register()',
    )
  })
  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: info.name, version: info.version, description: options.description },
      tags: [{ name: 'ops', description: 'Liveness and readiness' }, ...(options.tags ?? [])],
      components: { securitySchemes: options.securitySchemes ?? {} },
      ...(options.security ? { security: options.security } : {}),
    },
  })
  void app.register(async () => {
    documenting = true
  })
  void app.register(swaggerUi, {
    routePrefix: '/docs',
    logLevel: 'warn',
    // The plugin's CSP (its own scripts and styles by hash, no framing by others), without
    // upgrade-insecure-requests, which would break the page on a plain-http development server.
    staticCSP: true,
    transformStaticCSP: (header: string) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  })
  app.get('/openapi.json', { schema: { hide: true }, logLevel: 'warn' }, () => app.swagger())
}
