import { awsOptionsFrom, openDeadLetters, openObjects, openQueue } from '@ferry/cloud'
import { configOrExit, runService, startTracing } from '@ferry/kit'
import { buildApp, VERSION } from './app.ts'
import { type Config, loadWorkerConfig } from './config.ts'

const config: Config = configOrExit(() => loadWorkerConfig())
const aws = awsOptionsFrom(config)
const { app } = buildApp({
  config,
  tracing: startTracing({ serviceName: 'worker', version: VERSION, env: config }),
  queue: openQueue(config.SQS_QUEUE_URL, { aws }),
  objects: openObjects(config.S3_BUCKET, { aws }),
  ...(config.OPERATOR_TOKEN === undefined
    ? {}
    : { deadLetters: openDeadLetters(config.SQS_QUEUE_URL, { aws }) }),
})
await runService(app, { port: config.PORT, host: config.HOST })
