"""A few AWS calls against moto_server, with the standard library only.

moto checks no signatures: it picks the service from the credential scope of the Authorization
header, so a request names its service there and needs no signing (and this venv no boto3).
"""

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree

ENDPOINT = os.environ.get("FERRY_MOTO_ENDPOINT", "")
REGION = "us-east-1"

# JSON-protocol services: credential-scope name and X-Amz-Target prefix.
JSON_SERVICES = {
    "ecs": ("ecs", "AmazonEC2ContainerServiceV20141113"),
    "ssm": ("ssm", "AmazonSSM"),
    "secretsmanager": ("secretsmanager", "secretsmanager"),
    "sqs": ("sqs", "AmazonSQS"),
    "ecr": ("ecr", "AmazonEC2ContainerRegistry_V20150921"),
    "logs": ("logs", "Logs_20140328"),
    "wafv2": ("wafv2", "AWSWAF_20190729"),
}


def _auth(scope: str) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/{scope}/aws4_request, "
        "SignedHeaders=host, Signature=0"
    )


class AwsError(Exception):
    def __init__(self, status: int, body: str):
        super().__init__(f"{status}: {body[:300]}")
        self.status = status


def call(service: str, action: str, payload: dict) -> dict:
    scope, prefix = JSON_SERVICES[service]
    request = urllib.request.Request(
        ENDPOINT + "/",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={
            "Authorization": _auth(scope),
            "Content-Type": "application/x-amz-json-1.1"
            if service != "sqs"
            else "application/x-amz-json-1.0",
            "X-Amz-Target": f"{prefix}.{action}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raise AwsError(error.code, error.read().decode(errors="replace")) from None


def query(scope: str, action: str, params: dict[str, str], version: str) -> ElementTree.Element:
    """A query-protocol call (IAM, CloudWatch, SNS …): form parameters in, XML out."""
    body = urllib.parse.urlencode({"Action": action, "Version": version, **params}).encode()
    request = urllib.request.Request(
        ENDPOINT + "/",
        data=body,
        method="POST",
        headers={
            "Authorization": _auth(scope),
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return ElementTree.fromstring(response.read())
    except urllib.error.HTTPError as error:
        raise AwsError(error.code, error.read().decode(errors="replace")) from None


def s3_get(bucket: str, query: str = "") -> ElementTree.Element | None:
    """GET /<bucket>?<query> (path style); the parsed XML, or None for an empty body."""
    request = urllib.request.Request(
        f"{ENDPOINT}/{bucket}{'?' + query if query else ''}",
        headers={"Authorization": _auth("s3")},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        raise AwsError(error.code, error.read().decode(errors="replace")) from None
    return ElementTree.fromstring(body) if body.strip() else None


def local_name(element: ElementTree.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def find_all(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [e for e in element.iter() if local_name(e) == name]


def texts(element: ElementTree.Element, name: str) -> list[str]:
    return [e.text or "" for e in find_all(element, name)]
