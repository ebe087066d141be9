// Least-privilege policy documents fleetctl creates: the IoT policy shared by all devices (each
// device may connect only as its own thing, and use only its own shadow and dt/<thing>/ topics),
// and the inline policy of IAM users it creates for the agent.

const THING = '${iot:Connection.Thing.ThingName}';

export function iotDevicePolicy(partition: string, region: string, accountId: string, roleAlias: string): string {
  const arn = (resource: string): string => `arn:${partition}:iot:${region}:${accountId}:${resource}`;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: arn(`client/${THING}`), Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } } },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: [arn(`topic/$aws/things/${THING}/shadow/*`), arn(`topic/dt/${THING}/*`)] },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [arn(`topicfilter/$aws/things/${THING}/shadow/*`), arn(`topicfilter/dt/${THING}/*`)] },
      { Effect: 'Allow', Action: ['iot:GetThingShadow', 'iot:UpdateThingShadow', 'iot:DeleteThingShadow'], Resource: arn(`thing/${THING}`) },
      { Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: arn(`rolealias/${roleAlias}`) },
    ],
  });
}

/** What the agent needs as an IAM user: the CodeDeploy Commands API and reading revisions (SSE-KMS too). */
export function agentUserPolicy(revisionBucket: string | undefined): string {
  const objects = revisionBucket ? `arn:aws:s3:::${revisionBucket}/*` : 'arn:aws:s3:::*/*';
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'codedeploy-commands-secure:GetDeploymentSpecification',
          'codedeploy-commands-secure:PollHostCommand',
          'codedeploy-commands-secure:PutHostCommandAcknowledgement',
          'codedeploy-commands-secure:PutHostCommandComplete',
        ],
        Resource: '*',
      },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: objects },
      // an SSE-KMS release bucket: S3 decrypts with the caller's permission, so the user needs
      // Decrypt, but only through S3 (the key's own policy must also allow it)
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } } },
    ],
  });
}
