"""The three jobs of the pipeline: fetch (poll sources onto SQS), process (SQS to items), notify (stream to SNS)."""
