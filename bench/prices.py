"""AWS list prices in eu-west-2 (London), the one place `python -m bench cost` takes them from.

Read: the values AWS's pricing pages gave for eu-west-2 in 2025, as known to the author of this module; they could not
be re-read from the sandbox it was written in (no network). Check each against its page before quoting a bill, and
change the date below when you do. Prices change rarely, and downward (DynamoDB on-demand halved on 2024-11-01).
"""

from __future__ import annotations

PRICES_AS_OF = "2025 (not re-read on the date of this commit: check the pages below)"
REGION = "eu-west-2"

# https://aws.amazon.com/lambda/pricing/ (Arm, first tier)
LAMBDA_ARM_GB_SECOND = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1_000_000
LAMBDA_FREE_GB_SECONDS = 400_000
LAMBDA_FREE_REQUESTS = 1_000_000

# https://aws.amazon.com/dynamodb/pricing/on-demand/ (the always-free 25 WCU/RCU are provisioned capacity only)
DYNAMODB_WRITE_UNIT = 0.7425 / 1_000_000
DYNAMODB_READ_UNIT = 0.1485 / 1_000_000
DYNAMODB_STORAGE_GB_MONTH = 0.29715
DYNAMODB_FREE_STORAGE_GB = 25
# DynamoDB Streams: GetRecords made by a Lambda trigger are free (same page), so the notifier's stream costs nothing.

# https://aws.amazon.com/sqs/pricing/ (standard queues; every 64 KB of a request's payload is one request)
SQS_REQUEST = 0.40 / 1_000_000
SQS_FREE_REQUESTS = 1_000_000

# https://aws.amazon.com/sns/pricing/ (every 64 KB of a publish request is one request; e-mail per delivery)
SNS_PUBLISH_REQUEST = 0.50 / 1_000_000
SNS_FREE_PUBLISH_REQUESTS = 1_000_000
SNS_EMAIL_DELIVERY = 2.00 / 100_000
SNS_FREE_EMAIL_DELIVERIES = 1_000

# https://aws.amazon.com/cloudwatch/pricing/ (metrics and alarms prorated by the hour; alarms per metric they read)
CLOUDWATCH_METRIC_MONTH = 0.30
CLOUDWATCH_ALARM_METRIC_MONTH = 0.10
CLOUDWATCH_FREE_METRICS = 10
CLOUDWATCH_FREE_ALARM_METRICS = 10
LOGS_INGESTION_GB = 0.5985
LOGS_STORAGE_GB_MONTH = 0.0315
LOGS_FREE_GB = 5
CLOUDWATCH_DASHBOARD_MONTH = 3.00
CLOUDWATCH_FREE_DASHBOARDS = 3

# https://aws.amazon.com/kms/pricing/ (a customer managed key per month; requests, also those services make for us)
KMS_KEY_MONTH = 1.00
KMS_REQUEST = 0.03 / 10_000
KMS_FREE_REQUESTS = 20_000

# https://aws.amazon.com/eventbridge/pricing/ (Scheduler invocations; rules on a schedule are free)
SCHEDULER_INVOCATION = 1.00 / 1_000_000
SCHEDULER_FREE_INVOCATIONS = 14_000_000

HOURS_PER_MONTH = 730
"""AWS's month for prorated prices."""
