"""moto_server for .ci/terraform-moto.sh, with the moto (5.2) defects patched that stop an
apply, or make the plan after it differ although nothing changed:

- every RDS instance gets the same DbiResourceId, and the aws provider reads an instance back by
  that id, so with two databases it finds two and reports neither: each gets its own id here;
- PutBucketLogging checks the target bucket's policy for a statement allowing the logging
  service and fails with a 500 on a statement whose Principal is the string "*" (the log
  bucket's DenyInsecureTransport): such statements are skipped, as AWS does;
- ECS forgets a service's healthCheckGracePeriodSeconds, enableExecuteCommand and
  availabilityZoneRebalancing: they are kept and returned here;
- a security group rule that references another group loses its description: kept here;
- an SQS RedrivePolicy comes back as `json.dumps` with spaces, AWS returns it compact;
- a parameter set in an RDS parameter group comes back without `Source: user`, so the provider
  takes it for a default and plans to set it again.
Nothing else differs from `moto_server`. Usage: python server.py -H … -p …
"""

import json
import secrets
import string
import sys

from moto.ec2.models import security_groups
from moto.ecs import responses as ecs_responses
from moto.rds import models
from moto.s3 import models as s3_models
from moto.server import main
from moto.sqs import models as sqs_models

_init = models.DBInstance.__init__
_ALPHABET = string.ascii_uppercase + string.digits


def _init_with_own_resource_id(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.dbi_resource_id = "db-" + "".join(secrets.choice(_ALPHABET) for _ in range(26))


models.DBInstance.__init__ = _init_with_own_resource_id

_FakeBucket = s3_models.FakeBucket
_log_policy_check = _FakeBucket._log_permissions_enabled_policy


def _log_policy_check_with_string_principals(target_bucket, target_prefix):
    policy = target_bucket.policy
    if not policy:
        return False
    document = json.loads(policy.decode())
    kept = [s for s in document.get("Statement", []) if isinstance(s.get("Principal"), dict)]
    target_bucket.policy = json.dumps({**document, "Statement": kept}).encode()
    try:
        return _log_policy_check(target_bucket=target_bucket, target_prefix=target_prefix)
    finally:
        target_bucket.policy = policy


_FakeBucket._log_permissions_enabled_policy = staticmethod(_log_policy_check_with_string_principals)

_ServiceResponse = ecs_responses.EC2ContainerServiceResponse
_create_service = _ServiceResponse.create_service
_KEPT_SERVICE_SETTINGS = {
    "healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
    "enableExecuteCommand": "enable_execute_command",
    "availabilityZoneRebalancing": "availability_zone_rebalancing",
}


def _create_service_keeping_settings(self):
    result = _create_service(self)
    service = result.result["service"]
    for param, attribute in _KEPT_SERVICE_SETTINGS.items():
        value = self._get_param(param)
        if value is not None:
            setattr(service, attribute, value)
    return result


_ServiceResponse.create_service = _create_service_keeping_settings

_Rule = security_groups.SecurityGroupRule


def _rule_description(self):
    return self.ip_range.get("Description") or (self.source_group or {}).get("Description")


_Rule.description = property(_rule_description)

_attributes = sqs_models.Queue.attributes.fget


def _attributes_with_compact_redrive_policy(self):
    result = _attributes(self)
    if self.redrive_policy:
        result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
    return result


sqs_models.Queue.attributes = property(_attributes_with_compact_redrive_policy)

_update_parameters = models.DBParameterGroup.update_parameters


def _update_parameters_as_user(self, new_parameters):
    _update_parameters(self, [{**p, "Source": "user"} for p in new_parameters])


models.DBParameterGroup.update_parameters = _update_parameters_as_user

if __name__ == "__main__":
    sys.exit(main())
