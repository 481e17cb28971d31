#!/usr/bin/env bash
# Terraform for real, offline. Where the machine has a provider mirror (a directory holding
# registry.terraform.io/hashicorp/aws/<version>; the Terraform registry itself is not reachable):
#   1. `terraform init -plugin-dir` (with the committed lock file, read-only) + `validate` of
#      every root: bootstrap, envs/dev, envs/prod;
#   2. `apply` of bootstrap, then of envs/dev, against a fresh moto_server (infra/moto/: a
#      provider override file points every endpoint at it; state stays local);
#   3. a second `plan -detailed-exitcode` of each must show no changes;
#   4. infra/moto/test_applied.py reads back what moto holds (task definitions, their secrets,
#      queues, buckets, services) and checks it against each service's src/config.ts.
# Terraform runs on a scratch copy of infra/terraform, so nothing is written into the repository.
# Without a mirror (or terraform) it says so and skips; everything else in CI still runs.
# Needs the venvs of .ci/run (moto) and .ci/static-checks.sh (pytest), cached under
# ${FERRY_CACHE:-~/.cache/ferry}; it installs them itself when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${FERRY_CACHE:-$HOME/.cache/ferry}
MIRROR=${TF_PLUGIN_MIRROR:-/opt/tf-plugins}
MOTO_VENV=$CACHE/moto-venv
TOOLS=$CACHE/static-venv
ROOTS=(bootstrap envs/dev envs/prod)
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
# The override file names every endpoint; nothing here may reach another AWS (.ci/run exports
# its own moto's URL for the service tests).
unset AWS_ENDPOINT_URL AWS_PROFILE
export PATH=$CACHE/tools/node_modules/.bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1

TIMINGS=()
step() { printf '\n== %s\n' "$*"; }
timed() { # <label> <command...>
  local label=$1 start=$SECONDS
  shift
  step "$label"
  "$@"
  TIMINGS+=("$(printf '%-44s %4ss' "$label" $((SECONDS - start)))")
}

if ! command -v terraform >/dev/null || [ ! -d "$MIRROR/registry.terraform.io/hashicorp/aws" ]; then
  echo "terraform apply against moto: SKIPPED, no provider mirror at $MIRROR (set TF_PLUGIN_MIRROR)" \
    "or no terraform on PATH; the registry is unreachable from here, so only the static checks ran"
  exit 0
fi

WORK=$(mktemp -d)
MOTO_PID=
cleanup() {
  [ -z "$MOTO_PID" ] || kill "$MOTO_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# No CLI configuration: no credentials, no registry mirrors; the provider comes from -plugin-dir.
: >"$WORK/terraformrc"
export TF_CLI_CONFIG_FILE=$WORK/terraformrc
cp -r infra/terraform "$WORK/terraform"
find "$WORK/terraform" -name .terraform -type d -prune -exec rm -rf {} +
find "$WORK/terraform" -name 'terraform.tfstate*' -delete

tf() { # <root> <terraform args...>
  local root=$1
  shift
  terraform -chdir="$WORK/terraform/$root" "$@"
}

validate_roots() {
  local root
  for root in "${ROOTS[@]}"; do
    tf "$root" init -backend=false -plugin-dir="$MIRROR" -lockfile=readonly -no-color >/dev/null
    printf '%-12s ' "$root"
    tf "$root" validate -no-color
  done
}

ensure_venvs() {
  if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
    python3 -m venv "$MOTO_VENV"
    "$MOTO_VENV/bin/pip" install --quiet 'moto[server]'
  fi
  if [ ! -x "$TOOLS/bin/pytest" ]; then
    python3 -m venv "$TOOLS"
    "$TOOLS/bin/pip" install --quiet -r infra/tests/requirements.txt
  fi
}

# A fresh moto on a free port, with AWS's managed IAM policies loaded (the RDS monitoring role
# attaches one), reset so that it starts empty.
start_moto() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  MOTO_IAM_LOAD_MANAGED_POLICIES=true "$MOTO_VENV/bin/python" infra/moto/server.py \
    -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
  MOTO_PID=$!
  MOTO_ENDPOINT=http://127.0.0.1:$port
  for _ in $(seq 1 150); do
    curl -fsS "$MOTO_ENDPOINT/moto-api/" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fsS -X POST "$MOTO_ENDPOINT/moto-api/reset" >/dev/null
  echo "moto_server on $MOTO_ENDPOINT"
}

apply_root() { # <root> <its variables: infra/moto/<name>.auto.tfvars>
  local root=$1 vars=$2 code=0
  sed "s#MOTO_ENDPOINT#$MOTO_ENDPOINT#" infra/moto/provider_override.tf >"$WORK/terraform/$root/moto_override.tf"
  cp "infra/moto/$vars.auto.tfvars" "$WORK/terraform/$root/"
  tf "$root" init -reconfigure -plugin-dir="$MIRROR" -lockfile=readonly -no-color >/dev/null
  if ! tf "$root" apply -auto-approve -no-color -parallelism=20 >"$WORK/apply.log" 2>&1; then
    sed -n '/^Error/,$p' "$WORK/apply.log" >&2
    echo "$root: apply failed" >&2
    return 1
  fi
  grep '^Apply complete' "$WORK/apply.log"
  tf "$root" plan -detailed-exitcode -no-color >"$WORK/plan.log" 2>&1 || code=$?
  if [ "$code" != 0 ]; then
    cat "$WORK/plan.log" >&2
    echo "$root: the plan after apply is not empty (exit $code)" >&2
    return 1
  fi
  echo "$root: second plan shows no changes"
}

check_applied() {
  FERRY_MOTO_ENDPOINT=$MOTO_ENDPOINT FERRY_TF_DEV_ROOT=$WORK/terraform/envs/dev \
    "$TOOLS/bin/python" -m pytest -q -p no:cacheprovider --rootdir infra/moto infra/moto
}

terraform version | sed -n 1p
echo "provider mirror: $MIRROR"
timed "terraform init + validate (every root)" validate_roots
timed "install: moto, pytest (when missing)" ensure_venvs
timed "moto_server" start_moto
timed "apply + plan: bootstrap" apply_root bootstrap bootstrap
timed "apply + plan: envs/dev" apply_root envs/dev dev
timed "check what moto holds against config.ts" check_applied

step "terraform against moto passed ($ROOT)"
printf '  %s\n' "${TIMINGS[@]}"
