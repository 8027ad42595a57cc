#!/usr/bin/env bash
# Every resume case through the real router process (docs/failover.md): binary SASL PLAIN and
# NOSASL x kill -9 / SIGSTOP / demotion, four sessions each. CI runs test/resume/resume.test.ts only.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
RESUME_MATRIX=1 npx vitest run test/resume/
