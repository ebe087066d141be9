// Reported in --version and (later) the x-amz-codedeploy-agent-version header.
export const AGENT_VERSION = '0.1.0';
