"""The CDK app that deploys the engine: one stack, built from the code's own definitions."""
