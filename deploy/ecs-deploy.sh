#!/usr/bin/env bash
# Deploys service images to one ferry environment on ECS; CD runs it, and so can an operator
# (a rollback is a deploy of an older tag). Needs the AWS CLI and jq, credentials allowed what
# the CD role is allowed, AWS_REGION, and ECR_REGISTRY (<account>.dkr.ecr.<region>.amazonaws.com).
#
#   ecs-deploy.sh pending <env> ecr          services whose newest image in ECR is not deployed
#   ecs-deploy.sh pending <env> <from-env>   services whose tag in <from-env> is not deployed
#   ecs-deploy.sh deploy <env> <service>=<tag> ...
#   ecs-deploy.sh promote <env> ecr|<from-env>  deploy what `pending` lists
#   ecs-deploy.sh smoke <env>                GET /healthz and /health through the load balancer
#
# `pending` prints `<service>=<tag>` lines. `deploy` registers a new revision of each service's
# current task definition with only the image changed, updates the services, and waits until
# each deployment completed; when the circuit breaker fails one (tasks never turned healthy) ECS
# rolls it back and this exits 1. Each tag that completed is recorded in
# /ferry/<env>/deploy/image-tag/<service>, which Terraform reads so it keeps the running image.
set -euo pipefail

SERVICES=(api ingest-api worker clearinghouse)
WAIT_SECONDS=${WAIT_SECONDS:-1200}

die() {
  echo "::error::$*" >&2
  exit 1
}

deployed_tag() { # <env> <service>
  aws ssm get-parameter --name "/ferry/$1/deploy/image-tag/$2" \
    --query Parameter.Value --output text 2>/dev/null || echo none
}

newest_tag() { # <service>
  aws ecr describe-images --repository-name "ferry/$1" --filter tagStatus=TAGGED \
    --query 'sort_by(imageDetails, &imagePushedAt)[-1].imageTags[0]' --output text
}

pending() { # <env> <ecr|from-env>
  local env=$1 source=$2 service want
  for service in "${SERVICES[@]}"; do
    if [ "$source" = ecr ]; then want=$(newest_tag "$service"); else want=$(deployed_tag "$source" "$service"); fi
    case "$want" in none | None | bootstrap | "") continue ;; esac
    [ "$want" = "$(deployed_tag "$env" "$service")" ] || echo "$service=$want"
  done
}

register() { # <env> <service> <tag>: prints the new task definition ARN
  local family="ferry-$1-$2" image="$ECR_REGISTRY/ferry/$2:$3"
  aws ecr describe-images --repository-name "ferry/$2" --image-ids "imageTag=$3" >/dev/null ||
    die "no image ferry/$2:$3 in ECR"
  aws ecs describe-task-definition --task-definition "$family" --query taskDefinition |
    jq --arg name "$2" --arg image "$image" '
      (.containerDefinitions[] | select(.name == $name) | .image) = $image
      | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities,
            .registeredAt, .registeredBy, .deregisteredAt)' >"$WORK/$2.json"
  aws ecs register-task-definition --cli-input-json "file://$WORK/$2.json" \
    --query taskDefinition.taskDefinitionArn --output text
}

rollout() { # <cluster> <service> <task definition ARN>: COMPLETED, FAILED, IN_PROGRESS or GONE
  aws ecs describe-services --cluster "$1" --services "$2" --output json |
    jq -r --arg arn "$3" '[.services[0].deployments[] | select(.taskDefinition == $arn)]
      | if length == 0 then "GONE" else .[0].rolloutState end'
}

deploy() { # <env> <service>=<tag> ...
  local env=$1 cluster="ferry-$1" pair service tag arn state deadline
  shift
  [ $# -gt 0 ] || {
    echo "nothing to deploy to $env"
    return 0
  }
  : "${ECR_REGISTRY:?set ECR_REGISTRY}"
  WORK=$(mktemp -d)
  declare -A arns=() tags=()
  for pair in "$@"; do
    service=${pair%%=*} tag=${pair#*=}
    [[ " ${SERVICES[*]} " == *" $service "* ]] || die "unknown service $service"
    arn=$(register "$env" "$service" "$tag")
    aws ecs update-service --cluster "$cluster" --service "$cluster-$service" \
      --task-definition "$arn" >/dev/null
    echo "$env: $service → $tag ($arn)"
    arns[$service]=$arn tags[$service]=$tag
  done
  deadline=$((SECONDS + WAIT_SECONDS))
  while [ ${#arns[@]} -gt 0 ]; do
    [ $SECONDS -lt $deadline ] || die "$env: ${!arns[*]} not stable after ${WAIT_SECONDS}s"
    sleep 15
    for service in "${!arns[@]}"; do
      state=$(rollout "$cluster" "$cluster-$service" "${arns[$service]}")
      case "$state" in
        COMPLETED)
          aws ssm put-parameter --name "/ferry/$env/deploy/image-tag/$service" \
            --value "${tags[$service]}" --type String --overwrite >/dev/null
          echo "$env: $service ${tags[$service]} is stable"
          unset "arns[$service]"
          ;;
        FAILED | GONE) die "$env: $service ${tags[$service]} failed; the circuit breaker rolled it back" ;;
      esac
    done
  done
}

promote() { # <env> <ecr|from-env>
  local list pairs=()
  list=$(pending "$1" "$2")
  [ -z "$list" ] || mapfile -t pairs <<<"$list"
  deploy "$1" "${pairs[@]}"
}

smoke() { # <env>: progress on stderr, `url=<base url>` on stdout
  local base path
  base=$(aws ssm get-parameter --name "/ferry/$1/deploy/base-url" --query Parameter.Value --output text)
  for path in /healthz /health; do
    curl -fsS --retry 10 --retry-delay 6 --retry-all-errors --max-time 10 "$base$path" >/dev/null ||
      die "$1: GET $base$path failed"
    echo "$1: GET $base$path ok" >&2
  done
  echo "url=$base"
}

command=${1:-}
shift || true
case "$command" in
  pending) pending "$@" ;;
  deploy) deploy "$@" ;;
  promote) promote "$@" ;;
  smoke) smoke "$@" ;;
  *) sed -n '2,16p' "$0" >&2 && exit 2 ;;
esac
