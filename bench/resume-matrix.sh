#!/usr/bin/env bash
# Every resume case through the real router process (docs/failover.md): binary SASL PLAIN and
# NOSASL x kill -9 / SIGSTOP / demotion, five sessions each; HTTP (Basic) x kill -9 / SIGSTOP /
# demotion, eight sessions each. CI runs the unmarked tests of test/resume/ (kill -9 for HTTP).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
RESUME_MATRIX=1 npx vitest run test/resume/
