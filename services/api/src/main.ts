import { fileURLToPath } from 'node:url'
import { awsOptionsFrom, openObjects, openQueue, openTopic } from '@ferry/cloud'
import { connect, migrate } from '@ferry/db'
import { loadConfigOrExit, runService, startTracing } from '@ferry/kit'
import { buildApp, VERSION } from './app.ts'
import { Config, configRules, databaseAuth, filesSetting } from './config.ts'

const config = loadConfigOrExit(Config, { rules: configRules })
const aws = awsOptionsFrom(config)
const db = await connect(config.DATABASE_URL, {
  applicationName: 'ferry-api',
  auth: databaseAuth(config),
})
await migrate(db.sql, fileURLToPath(new URL('../migrations', import.meta.url)))
const { app } = buildApp({
  config,
  tracing: startTracing({ serviceName: 'api', version: VERSION, env: config }),
  db,
  store: openObjects(config.S3_BUCKET_NAME, { aws }),
  topic: openTopic(config.SNS_TOPIC_ARN, { aws }),
  queue: openQueue(config.SQS_QUEUE_URL, { aws }),
  files: openObjects(config.FILES_BUCKET, {
    aws,
    local: filesSetting(config),
    presignEndpoint: config.S3_PUBLIC_ENDPOINT,
  }),
})
await runService(app, { port: config.PORT, host: config.HOST })
