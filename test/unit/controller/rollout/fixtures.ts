// A fleet.yml as the docs show it: two device fleets, a gold tenant with a stack and web files.
export const FLEET_YML = `application: air-quality
region: us-east-1
release:
  bucket: acme-releases
  kms_key_id: arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab
  parts: { device: ./device, stack: { template: cloud/template.yaml, package: cloud/dist }, web: web/dist }
targets:
  lab-pis: { kind: devices, deployment_group: pi-lab, select: { fleet: air-quality, site: lab } }
  eu-pis:
    kind: devices
    account: '333333333333'
    region: eu-west-1
    role_arn: 'arn:aws:iam::333333333333:role/fleet-deployer'
    deployment_group: pi-eu
    select: { fleet: air-quality }
  unicorn:
    kind: stack
    account: '222222222222'
    role_arn: 'arn:aws:iam::222222222222:role/fleet-deployer'
    external_id: unicorn-7f3
    stack: air-quality
    cfn_role_arn: 'arn:aws:iam::222222222222:role/cfn-deployer'
    parameters: { Size: small }
    labels: { tier: gold }
  unicorn-web:
    kind: web
    account: '222222222222'
    role_arn: 'arn:aws:iam::222222222222:role/fleet-deployer'
    bucket: unicorn-site
    labels: { tier: gold }
environments:
  - { name: staging, match: 'v*-rc*', waves: [ { targets: [lab-pis] } ] }
  - name: production
    match: 'v*'
    waves:
      - { name: devices, targets: [lab-pis, eu-pis] }
      - { name: gold-tenants, targets: { labels: { tier: gold } }, concurrency: 20, max_failed: 1 }
`;
