export { connect } from './connect.ts'
export type { ConnectOptions, Database, Sql, TransactionSql } from './database.ts'
export { type MigrateOptions, MigrationError, migrate } from './migrate.ts'
export { describeUrl } from './url.ts'
