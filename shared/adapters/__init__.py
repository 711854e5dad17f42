"""Adapters to the outside: upstream HTTP, SQS, SNS, and one DynamoDB store per table job."""
