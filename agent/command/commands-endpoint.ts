// Where the CodeDeploy Commands service lives (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/command_poller.rb and vendor/gems/codedeploy-commands, the official
// deploy_control_endpoint.rb without IMDS: on-premises hosts never probe it).
// https://<service>.<region>.<domain> with service codedeploy-commands[-secure][-fips] and the
// domain of the region's partition; a configured override is used verbatim. Pure.
import { EdgeError } from '../../shared/errors.js';

export interface CommandsEndpointOptions {
  /** The secure stack (official `:enable_auth_policy:`): codedeploy-commands-secure. */
  readonly secure?: boolean;
  /** FIPS endpoints (official `:use_fips_mode:`): …-fips. */
  readonly fips?: boolean;
  /** The official `:deploy_control_endpoint:` (ours: the sandbox URL): used as given. */
  readonly override?: string;
}

/** The partition domains the official agent knows, with the region names each accepts. */
const PARTITIONS: readonly { readonly domain: string; readonly matches: (region: string) => boolean; readonly pattern: RegExp }[] = [
  // AWS European Sovereign Cloud (aws-eusc): eusc-de-east-1, …
  { domain: 'amazonaws.eu', matches: (r) => r.startsWith('eusc-'), pattern: /^[0-9a-z-]{1,20}$/ },
  // AWS China (aws-cn): cn-north-1, cn-northwest-1
  { domain: 'amazonaws.com.cn', matches: (r) => r.startsWith('cn-'), pattern: /^cn-\w+-\d+$/ },
  { domain: 'amazonaws.com', matches: () => true, pattern: /^[0-9a-z-]{1,20}$/ },
];

/** The DNS domain of a region's partition: amazonaws.com, amazonaws.com.cn or amazonaws.eu. */
export function partitionDomain(region: string): string {
  const partition = PARTITIONS.find((p) => p.matches(region));
  if (!partition || !partition.pattern.test(region)) {
    throw new EdgeError('CONFIG_INVALID', `Invalid region: ${region}`, { details: { region } });
  }
  return partition.domain;
}

/** The signing name (= endpoint prefix) of the default or the secure stack. */
export function commandsServiceName(opts: Pick<CommandsEndpointOptions, 'secure'> = {}): string {
  return opts.secure ? 'codedeploy-commands-secure' : 'codedeploy-commands';
}

/** The Commands endpoint URL for `region`, e.g. https://codedeploy-commands.eu-west-1.amazonaws.com. */
export function commandsEndpoint(region: string, opts: CommandsEndpointOptions = {}): string {
  if (opts.override !== undefined && opts.override.trim() !== '') {
    const override = opts.override.trim();
    let url: URL;
    try {
      url = new URL(override);
    } catch {
      throw new EdgeError('CONFIG_INVALID', `Invalid commands endpoint: ${override} is not a URL`, { details: { endpoint: override } });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new EdgeError('CONFIG_INVALID', `Invalid commands endpoint: ${override} must be an http(s) URL`, { details: { endpoint: override } });
    }
    return override;
  }
  const service = `${commandsServiceName(opts)}${opts.fips ? '-fips' : ''}`;
  return `https://${service}.${region}.${partitionDomain(region)}`;
}
