import { awsOptionsFrom, openQueue, openSecret } from '@ferry/cloud'
import { loadConfigOrExit, runService, startTracing } from '@ferry/kit'
import { buildApp, VERSION } from './app.ts'
import { Config } from './config.ts'

const config = loadConfigOrExit(Config)
const aws = awsOptionsFrom(config)
const { app } = buildApp({
  config,
  tracing: startTracing({ serviceName: 'ingest-api', version: VERSION, env: config }),
  queue: openQueue(config.SQS_QUEUE_URL, { aws }),
  secret: openSecret(config.SSM_TOKEN_PARAM, { aws, ttlSeconds: config.TOKEN_CACHE_TTL_SECONDS }),
})
await runService(app, { port: config.PORT, host: config.HOST })
