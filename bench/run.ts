// `pnpm bench [--short] [ingest] [worker] [clearinghouse] [api]`: runs each benchmark beside its
// reference on this machine, prints one table and writes <timestamp>.json and latest.md to
// bench/results (or BENCH_RESULTS_DIR). --short (or BENCH_SHORT=1) is CI's check that they work.
// Not a test: it reports figures and whether each target was met, and exits 0 either way.
import { main } from './src/main.ts'

await main(process.argv.slice(2))
