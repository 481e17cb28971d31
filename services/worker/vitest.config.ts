import { defineConfig } from 'vitest/config'

// CI runs every package's suite at once on two cores: a poll gets long before it fails.
export default defineConfig({ test: { expect: { poll: { timeout: 20_000 } } } })
