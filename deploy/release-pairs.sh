#!/usr/bin/env bash
# The release a CI run on main hands to CD: a `service=tag` pair for every service at this commit.
#
#   release-pairs.sh <tag> <previous release file> <all services JSON> <affected services JSON>
#
# Prints two lines for $GITHUB_OUTPUT:
#   services=<JSON array>  what to build now: the affected services, and any service the previous
#                          release (one `service=tag` line each; a missing file is an empty one)
#                          does not list
#   release=<pairs>        space-separated: <tag> for the services built now, the previous
#                          release's tag for every other one
# So every release lists every service, and a CD run that was dropped (a newer one superseded it
# while it waited) loses nothing: the next release carries its images too.
set -euo pipefail

[ $# -eq 4 ] || {
  sed -n '2,13p' "$0" >&2
  exit 2
}
tag=$1 previous=$2 all=$3 affected=$4
[[ $tag =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ ]] || {
  echo "invalid tag '$tag'" >&2
  exit 1
}
lines='[]'
if [ -s "$previous" ]; then
  lines=$(jq -R 'select(test("^[a-z0-9-]+=[A-Za-z0-9][A-Za-z0-9._-]*$"))' "$previous" | jq -cs .)
fi
jq -rn --arg tag "$tag" --argjson all "$all" --argjson affected "$affected" --argjson lines "$lines" '
  ($lines | map(split("=") | {(.[0]): .[1]}) | add // {}) as $before
  | [$all[] | select(IN($affected[]) or ($before[.] == null))] as $build
  | "services=\($build | tojson)",
    "release=\([$all[] | "\(.)=\(if IN($build[]) then $tag else $before[.] end)"] | join(" "))"'
