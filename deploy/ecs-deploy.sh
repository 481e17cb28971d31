#!/usr/bin/env bash
# Deploys service images to one ferry environment on ECS; CD runs it, and so can an operator
# (a rollback is a release of an older tag). Needs the AWS CLI, jq and curl, credentials allowed
# what the CD role is allowed, AWS_REGION, and ECR_REGISTRY (<account>.dkr.ecr.<region>.amazonaws.com).
#
#   ecs-deploy.sh release <env> <service>=<tag> ...  deploy, smoke, then record: what CD runs
#   ecs-deploy.sh deploy <env> <service>=<tag> ...   roll the images out; records nothing
#   ecs-deploy.sh smoke <env>                        liveness through the load balancer, and
#                                                    every task of every service ready
#   ecs-deploy.sh record <env> <service>=<tag> ...   write the tags that passed the smoke test
#   ecs-deploy.sh tags <env>                         print the recorded <service>=<tag> pairs
#
# `deploy` registers a new revision of each service's current task definition with only the
# image changed (every container of that service's image: the app and its readiness probe),
# updates the services, and waits until each deployment completed; when the circuit breaker
# fails one (tasks never turned healthy) ECS rolls it back and this exits 1. A pair whose tag is
# already recorded for the environment is skipped. `record` writes
# /ferry/<env>/deploy/image-tag/<service>, which Terraform reads so it keeps the running image;
# `release` records only after the smoke test passed, so a recorded tag is one that was proven
# ready. Progress goes to stderr; stdout carries only `url=…` and `images=…` lines (for
# $GITHUB_OUTPUT).
set -euo pipefail

SERVICES=(api ingest-api worker clearinghouse)
WAIT_SECONDS=${WAIT_SECONDS:-1200}
SMOKE_SECONDS=${SMOKE_SECONDS:-300}
POLL_SECONDS=${POLL_SECONDS:-15}

log() { echo "$*" >&2; }

die() {
  echo "::error::$*" >&2
  exit 1
}

# Every pair is checked before anything is called: a known service and a plain tag.
check_pairs() { # <service>=<tag> ...
  local pair service tag
  for pair in "$@"; do
    service=${pair%%=*} tag=${pair#*=}
    [[ $pair == *=* && " ${SERVICES[*]} " == *" $service "* ]] || die "unknown service in '$pair'"
    [[ $tag =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ ]] || die "invalid tag in '$pair'"
  done
}

parameter() { # <name>: its value, or empty when it does not exist
  aws ssm get-parameter --name "$1" --output json 2>/dev/null | jq -r '.Parameter.Value // empty' || true
}

recorded_tag() { # <env> <service>
  parameter "/ferry/$1/deploy/image-tag/$2"
}

register() { # <env> <service> <tag>: prints the new task definition ARN
  local family="ferry-$1-$2" repository="$ECR_REGISTRY/ferry/$2"
  aws ecr describe-images --repository-name "ferry/$2" --image-ids "imageTag=$3" --output json >/dev/null ||
    die "no image ferry/$2:$3 in ECR"
  aws ecs describe-task-definition --task-definition "$family" --output json |
    jq --arg repository "$repository" --arg image "$repository:$3" '.taskDefinition
      | (.containerDefinitions[] | select(.image | startswith($repository + ":")) | .image) = $image
      | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities,
            .registeredAt, .registeredBy, .deregisteredAt)' >"$WORK/$2.json"
  aws ecs register-task-definition --cli-input-json "file://$WORK/$2.json" --output json |
    jq -r .taskDefinition.taskDefinitionArn
}

rollout() { # <cluster> <service> <task definition ARN>: COMPLETED, FAILED, IN_PROGRESS or GONE
  aws ecs describe-services --cluster "$1" --services "$2" --output json |
    jq -r --arg arn "$3" '[.services[0].deployments[] | select(.taskDefinition == $arn)]
      | if length == 0 then "GONE" else .[0].rolloutState end'
}

deploy() { # <env> <service>=<tag> ...
  local env=$1 cluster="ferry-$1" pair service tag arn state deadline
  shift
  check_pairs "$@"
  : "${ECR_REGISTRY:?set ECR_REGISTRY}"
  WORK=$(mktemp -d)
  declare -A arns=() tags=()
  for pair in "$@"; do
    service=${pair%%=*} tag=${pair#*=}
    if [ "$(recorded_tag "$env" "$service")" = "$tag" ]; then
      log "$env: $service already runs $tag"
      continue
    fi
    arn=$(register "$env" "$service" "$tag")
    aws ecs update-service --cluster "$cluster" --service "$cluster-$service" \
      --task-definition "$arn" --output json >/dev/null
    log "$env: $service → $tag ($arn)"
    arns[$service]=$arn tags[$service]=$tag
  done
  deadline=$((SECONDS + WAIT_SECONDS))
  while [ ${#arns[@]} -gt 0 ]; do
    [ $SECONDS -lt $deadline ] || die "$env: ${!arns[*]} not stable after ${WAIT_SECONDS}s"
    sleep "$POLL_SECONDS"
    for service in "${!arns[@]}"; do
      state=$(rollout "$cluster" "$cluster-$service" "${arns[$service]}")
      case "$state" in
        COMPLETED)
          log "$env: $service ${tags[$service]} is stable"
          unset "arns[$service]"
          ;;
        FAILED | GONE) die "$env: $service ${tags[$service]} failed; the circuit breaker rolled it back" ;;
      esac
    done
  done
}

# Why a service is not ready yet, or nothing when it is: one deployment, completed, as many
# tasks running as desired, each on that deployment's task definition with every container
# HEALTHY. Each task runs its app (health check: GET /health) and a readiness probe container
# (health check: GET /ready on the app, from inside the task), so HEALTHY on every container
# means the service answered /ready: its queue, bucket and database calls work.
not_ready() { # <cluster> <service>
  local services tasks
  services=$(aws ecs describe-services --cluster "$1" --services "$2" --output json)
  jq -e '.services[0].desiredCount == 0' <<<"$services" >/dev/null && return 0
  tasks=$(aws ecs list-tasks --cluster "$1" --service-name "$2" --desired-status RUNNING --output json |
    jq -r '.taskArns[]')
  if [ -n "$tasks" ]; then
    # shellcheck disable=SC2086 # one argument per task ARN
    tasks=$(aws ecs describe-tasks --cluster "$1" --tasks $tasks --output json)
  else
    tasks='{"tasks":[]}'
  fi
  jq -rn --argjson s "$services" --argjson t "$tasks" '
    $s.services[0] as $svc | ($svc.deployments | map(select(.status == "PRIMARY")) | .[0]) as $primary
    | [ if ($svc.deployments | length) != 1 then "\($svc.deployments | length) deployments" else empty end,
        if $primary.rolloutState != "COMPLETED" then "rollout \($primary.rolloutState)" else empty end,
        if $svc.runningCount != $svc.desiredCount then "\($svc.runningCount)/\($svc.desiredCount) running" else empty end,
        ($t.tasks[] | select(.taskDefinitionArn != $primary.taskDefinition) | "task on an old revision"),
        ($t.tasks[] | .containers[] | select(.healthStatus != "HEALTHY")
          | "container \(.name) \(.healthStatus // "without health")")
      ] | unique | join(", ")'
}

smoke() { # <env>: progress on stderr, `url=<base url>` on stdout
  local env=$1 cluster="ferry-$1" base path service why deadline
  base=$(parameter "/ferry/$env/deploy/base-url")
  [ -n "$base" ] || die "$env: no /ferry/$env/deploy/base-url"
  for path in /healthz /health /ready; do
    curl -fsS --retry 10 --retry-delay 6 --retry-all-errors --max-time 10 "$base$path" >/dev/null ||
      die "$env: GET $base$path failed"
    log "$env: GET $base$path ok"
  done
  deadline=$((SECONDS + SMOKE_SECONDS))
  for service in "${SERVICES[@]}"; do
    while true; do
      why=$(not_ready "$cluster" "$cluster-$service") || why="its state could not be read"
      [ -n "$why" ] || break
      [ $SECONDS -lt $deadline ] || die "$env: $service is not ready after ${SMOKE_SECONDS}s: $why"
      log "$env: waiting for $service: $why"
      sleep "$POLL_SECONDS"
    done
    log "$env: $service ready (every task: /health and /ready)"
  done
  echo "url=$base"
}

# Tags a deployed image `deployed-<env>-<tag>` too, which ECR's lifecycle policy never expires,
# so a rollback target outlives any number of later builds. The same image tagged before (an
# earlier deploy of it to this environment) is fine.
protect() { # <env> <service> <tag>
  local repository="ferry/$2" manifest output
  manifest=$(aws ecr batch-get-image --repository-name "$repository" --image-ids "imageTag=$3" \
    --output json | jq -r '.images[0].imageManifest')
  if ! output=$(aws ecr put-image --repository-name "$repository" --image-tag "deployed-$1-$3" \
    --image-manifest "$manifest" --output json 2>&1); then
    case "$output" in
    *ImageAlreadyExistsException*) ;;
    *) die "could not tag $repository:$3 as deployed-$1-$3: $output" ;;
    esac
  fi
}

record() { # <env> <service>=<tag> ...
  local env=$1 pair
  shift
  check_pairs "$@"
  for pair in "$@"; do
    protect "$env" "${pair%%=*}" "${pair#*=}"
    aws ssm put-parameter --name "/ferry/$env/deploy/image-tag/${pair%%=*}" \
      --value "${pair#*=}" --type String --overwrite --output json >/dev/null
    log "$env: recorded $pair"
  done
}

release() { # <env> <service>=<tag> ...
  local env=$1
  shift
  [ $# -gt 0 ] || die "release $env: no <service>=<tag> pairs"
  check_pairs "$@"
  deploy "$env" "$@"
  smoke "$env"
  record "$env" "$@"
  echo "images=$*"
}

tags() { # <env>
  local service tag
  for service in "${SERVICES[@]}"; do
    tag=$(recorded_tag "$1" "$service")
    case "$tag" in "" | bootstrap) ;; *) echo "$service=$tag" ;; esac
  done
}

command=${1:-}
shift || true
case "$command" in
  release) release "$@" ;;
  deploy) deploy "$@" ;;
  smoke) smoke "$@" ;;
  record) record "$@" ;;
  tags) tags "$@" ;;
  *) sed -n '2,21p' "$0" >&2 && exit 2 ;;
esac
