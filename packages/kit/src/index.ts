export {
  AuthLimitEnv,
  ConfigError,
  type ConfigIssue,
  type ConfigRule,
  configOrExit,
  type LoadConfigOptions,
  loadConfig,
  loadConfigOrExit,
  ServerEnv,
} from './config.ts'
export {
  type DriverError,
  type ErrorTranslator,
  TRANSIENT_RETRY_AFTER_SECONDS,
} from './driver-errors.ts'
export {
  createFailureLimiter,
  type FailureLimiter,
  type FailureLimiterOptions,
} from './failure-limiter.ts'
export { type HealthOptions, Readiness, type ReadinessCheck } from './health.ts'
export { assertMaxDepth, jsonDepth, MAX_JSON_DEPTH } from './json-depth.ts'
export type { Closer, Loop } from './lifecycle.ts'
export {
  devSecret,
  type LocalContext,
  type LocalPaths,
  type LocalService,
  writePrivate,
} from './local.ts'
export { REDACTED } from './logging.ts'
export {
  type Counter,
  createCounter,
  createGauge,
  createHistogram,
  createRegistry,
  type Gauge,
  type Histogram,
  type MetricsRoutesOptions,
  metricsRoutes,
  metricValue,
  type Registry,
} from './metrics.ts'
export type { OpenApiOptions, SecurityScheme } from './openapi.ts'
export { OPERATOR_SECURITY, OPERATOR_SECURITY_SCHEMES, requireBearer } from './operator-auth.ts'
export {
  badRequest,
  conflict,
  forbidden,
  HttpProblem,
  isHttpProblem,
  notFound,
  PROBLEM_CONTENT_TYPE,
  Problem,
  ProblemFieldError,
  type ProblemOptions,
  payloadTooLarge,
  problemResponses,
  serviceUnavailable,
  unauthorized,
  unprocessable,
} from './problem.ts'
export { type RunOptions, runService } from './run.ts'
export {
  type BuiltService,
  createService,
  type RoutePlugin,
  type ServiceApp,
  type ServiceOptions,
} from './service.ts'
export { type RequestTimeouts, TIMEOUT_DEFAULTS } from './timeouts.ts'
export {
  activeTraceId,
  disabledTracing,
  SpanKind,
  type SpanOptions,
  type StartTracingOptions,
  startTracing,
  type Tracing,
  TracingEnv,
  traceAttributes,
} from './tracing.ts'
