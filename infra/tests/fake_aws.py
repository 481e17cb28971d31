#!/usr/bin/env python3
"""A stand-in for the AWS CLI calls deploy/ecs-deploy.sh makes, for test_ecs_deploy.py.

Installed as `aws` on PATH. State lives in the JSON file $FAKE_AWS_STATE; every call is appended
to $FAKE_AWS_LOG as one line `<service> <operation> <arguments…>`, so a test can check the order.
Only `--output json` is answered (the script filters with jq, never with --query).

State: `parameters` {name: value}; `images` {repository: [tags]}; `task_definitions` {family:
definition}; `services` {name: {desiredCount, runningCount, taskDefinition, rolloutState}};
`rollout` {service name: the rolloutState an update ends in, default COMPLETED}; `health`
{service name: {container: healthStatus}}, default HEALTHY.
"""

import json
import os
import sys

ACCOUNT = "123456789012"


def arguments(argv: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    key = None
    for item in argv:
        if item.startswith("--"):
            key = item[2:]
            out[key] = []
        elif key is not None:
            out[key].append(item)
    return out


def fail(code: str, message: str) -> None:
    print(f"An error occurred ({code}): {message}", file=sys.stderr)
    sys.exit(254)


def arn(kind: str, name: str) -> str:
    return f"arn:aws:ecs:us-east-1:{ACCOUNT}:{kind}/{name}"


def handle(state: dict, service: str, operation: str, args: dict) -> dict:
    one = {k: v[0] if v else "" for k, v in args.items()}
    if (service, operation) == ("ssm", "get-parameter"):
        if one["name"] not in state["parameters"]:
            fail("ParameterNotFound", one["name"])
        return {"Parameter": {"Name": one["name"], "Value": state["parameters"][one["name"]]}}
    if (service, operation) == ("ssm", "put-parameter"):
        state["parameters"][one["name"]] = one["value"]
        return {"Version": 2}
    if (service, operation) == ("ecr", "describe-images"):
        tag = one["image-ids"].removeprefix("imageTag=")
        if tag not in state["images"].get(one["repository-name"], []):
            fail("ImageNotFoundException", f"{one['repository-name']}:{tag}")
        return {"imageDetails": [{"imageTags": [tag]}]}
    if (service, operation) == ("ecr", "batch-get-image"):
        tag = one["image-ids"].removeprefix("imageTag=")
        if tag not in state["images"].get(one["repository-name"], []):
            fail("ImageNotFoundException", f"{one['repository-name']}:{tag}")
        return {"images": [{"imageManifest": f"manifest-of-{tag}"}]}
    if (service, operation) == ("ecr", "put-image"):
        tags = state["images"].setdefault(one["repository-name"], [])
        if one["image-tag"] in tags:
            fail("ImageAlreadyExistsException", one["image-tag"])
        tags.append(one["image-tag"])
        state.setdefault("manifests", {})[f"{one['repository-name']}:{one['image-tag']}"] = one["image-manifest"]
        return {"image": {"imageId": {"imageTag": one["image-tag"]}}}
    if (service, operation) == ("ecs", "describe-task-definition"):
        family = one["task-definition"].split("/")[-1].split(":")[0]
        definition = state["task_definitions"][family]
        return {"taskDefinition": {**definition, "status": "ACTIVE", "compatibilities": ["FARGATE"]}}
    if (service, operation) == ("ecs", "register-task-definition"):
        with open(one["cli-input-json"].removeprefix("file://")) as f:
            definition = json.load(f)
        family = definition["family"]
        revision = state["task_definitions"][family]["revision"] + 1
        definition.update(revision=revision, taskDefinitionArn=arn("task-definition", f"{family}:{revision}"))
        state["task_definitions"][family] = definition
        return {"taskDefinition": definition}
    if (service, operation) == ("ecs", "update-service"):
        svc = state["services"][one["service"]]
        svc["taskDefinition"] = one["task-definition"]
        svc["rolloutState"] = state.get("rollout", {}).get(one["service"], "COMPLETED")
        return {"service": {"serviceName": one["service"]}}
    if (service, operation) == ("ecs", "describe-services"):
        name = one["services"]
        svc = state["services"][name]
        deployment = {"status": "PRIMARY", "taskDefinition": svc["taskDefinition"], "rolloutState": svc["rolloutState"]}
        return {"services": [{"serviceName": name, "desiredCount": svc["desiredCount"],
                              "runningCount": svc["runningCount"], "deployments": [deployment]}]}
    if (service, operation) == ("ecs", "list-tasks"):
        svc = state["services"][one["service-name"]]
        return {"taskArns": [arn("task", f"{one['cluster']}/{one['service-name']}-{i}") for i in range(svc["runningCount"])]}
    if (service, operation) == ("ecs", "describe-tasks"):
        tasks = []
        for task in args["tasks"]:
            name = task.split("/")[-1].rsplit("-", 1)[0]
            svc = state["services"][name]
            family = svc["taskDefinition"].split("/")[-1].split(":")[0]
            health = state.get("health", {}).get(name, {})
            containers = [{"name": c["name"], "image": c["image"], "healthStatus": health.get(c["name"], "HEALTHY")}
                          for c in state["task_definitions"][family]["containerDefinitions"]]
            tasks.append({"taskArn": task, "taskDefinitionArn": svc["taskDefinition"], "lastStatus": "RUNNING", "containers": containers})
        return {"tasks": tasks}
    fail("InvalidAction", f"the fake does not answer {service} {operation}")
    return {}


def main() -> None:
    service, operation, *rest = sys.argv[1:]
    with open(os.environ["FAKE_AWS_LOG"], "a") as log:
        log.write(" ".join([service, operation, *rest]) + "\n")
    args = arguments(rest)
    if args.get("output") != ["json"]:
        fail("Usage", "the fake answers --output json only")
    with open(os.environ["FAKE_AWS_STATE"]) as f:
        state = json.load(f)
    answer = handle(state, service, operation, args)
    with open(os.environ["FAKE_AWS_STATE"], "w") as f:
        json.dump(state, f)
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
