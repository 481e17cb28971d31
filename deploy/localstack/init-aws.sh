#!/bin/bash
# LocalStack ready hook (docker-compose.yml mounts it into /etc/localstack/init/ready.d): creates
# what Terraform creates on AWS, under the same names the compose services are given. Safe to
# run again: every call is a create-if-missing or an overwrite.
set -euo pipefail

PREFIX=ferry-local

queue_arn() {
  local url
  url=$(awslocal sqs get-queue-url --queue-name "$1" --query QueueUrl --output text)
  awslocal sqs get-queue-attributes --queue-url "$url" --attribute-names QueueArn \
    --query Attributes.QueueArn --output text
}

for bucket in payloads clearinghouse documents files; do
  awslocal s3api head-bucket --bucket "$PREFIX-$bucket" >/dev/null 2>&1 ||
    awslocal s3api create-bucket --bucket "$PREFIX-$bucket" >/dev/null
  awslocal s3api put-bucket-versioning --bucket "$PREFIX-$bucket" \
    --versioning-configuration Status=Enabled
done

# Each work queue with its dead-letter queue after 5 receives, as on AWS.
for queue in ingest events; do
  awslocal sqs create-queue --queue-name "$PREFIX-$queue-dlq" \
    --attributes MessageRetentionPeriod=1209600 >/dev/null
  dlq_arn=$(queue_arn "$PREFIX-$queue-dlq")
  # RedrivePolicy is a JSON document inside a JSON string.
  attributes=$(printf '{"VisibilityTimeout":"60","RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"%s\\",\\"maxReceiveCount\\":\\"5\\"}"}' "$dlq_arn")
  awslocal sqs create-queue --queue-name "$PREFIX-$queue" --attributes "$attributes" >/dev/null
done

# The api's topic delivers SNS envelopes (not raw messages) to its events queue.
topic_arn=$(awslocal sns create-topic --name "$PREFIX-events" --query TopicArn --output text)
awslocal sns subscribe --topic-arn "$topic_arn" --protocol sqs \
  --notification-endpoint "$(queue_arn "$PREFIX-events")" >/dev/null

awslocal ssm put-parameter --name /ferry/local/ingest-token --type SecureString --overwrite \
  --value "${INGEST_TOKEN:-local-ingest-token}" >/dev/null

echo "ferry: LocalStack resources ready (prefix $PREFIX)"
