import { openObjects, openQueue } from '@ferry/cloud'
import { ConfigError, runService } from '@ferry/kit'
import { buildApp } from './app.ts'
import { type Config, loadWorkerConfig } from './config.ts'

function configOrExit(): Config {
  try {
    return loadWorkerConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }
}

const config = configOrExit()
const aws = { region: config.AWS_REGION, endpoint: config.AWS_ENDPOINT_URL }
const { app } = buildApp({
  config,
  queue: openQueue(config.SQS_QUEUE_URL, { aws }),
  objects: openObjects(config.S3_BUCKET, { aws }),
})
await runService(app, { port: config.PORT, host: config.HOST })
