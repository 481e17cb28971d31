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

# Each work queue with its dead-letter queue after 5 receives, as on AWS: the ingest queue, the
# api's events queue and the clearinghouse's S3 events queue.
for queue in ingest events clearinghouse-events; do
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

# The clearinghouse's bucket announces each new .json object on its events queue; only S3, and
# only for that bucket, may send to the queue (the policy Terraform writes on AWS). JSON is built
# with python3 (the LocalStack image has it; it has no jq).
json() { python3 -c "import json, sys; print(json.dumps($1))" "${@:2}"; }
events_arn=$(queue_arn "$PREFIX-clearinghouse-events")
events_url=$(awslocal sqs get-queue-url --queue-name "$PREFIX-clearinghouse-events" --query QueueUrl --output text)
awslocal sqs set-queue-attributes --queue-url "$events_url" --attributes "$(json '{"Policy": json.dumps({
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
    "Action": "sqs:SendMessage", "Resource": sys.argv[1],
    "Condition": {"ArnEquals": {"aws:SourceArn": sys.argv[2]}}}]})}' \
  "$events_arn" "arn:aws:s3:::$PREFIX-clearinghouse")"
awslocal s3api put-bucket-notification-configuration --bucket "$PREFIX-clearinghouse" \
  --notification-configuration "$(json '{"QueueConfigurations": [{"QueueArn": sys.argv[1],
  "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".json"}]}}}]}' \
    "$events_arn")"

# Browsers may GET and POST the files bucket's presigned URLs (any origin: this is local only).
awslocal s3api put-bucket-cors --bucket "$PREFIX-files" --cors-configuration '{"CORSRules": [{
  "AllowedOrigins": ["*"], "AllowedMethods": ["GET", "HEAD", "POST"], "AllowedHeaders": ["*"],
  "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3600}]}'

awslocal ssm put-parameter --name /ferry/local/ingest-token --type SecureString --overwrite \
  --value "${INGEST_TOKEN:-local-ingest-token}" >/dev/null

echo "ferry: LocalStack resources ready (prefix $PREFIX)"
