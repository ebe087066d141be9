// Provisioning bundles: one folder per device (0700, files 0600) holding what
// scripts/install-agent.sh --provisioning copies to /etc/edge-agent: onpremises.yml (the agent's
// on-premises identity) and, for IoT devices, the certificate, its private key, the IoT CA and an
// agent.yml with the iot: section. Optionally also a tar of that folder.
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { create as createTar } from 'tar';
import { EdgeError } from '../../shared/errors.js';
import { writeFileAtomic } from '../../shared/fs-atomic.js';
import { INSTANCE_NAME } from '../fleet/model.js';

/** Where install-agent.sh puts provisioning files on the device. */
export const DEVICE_CONF_DIR = '/etc/edge-agent';
export const BUNDLE_FILES = {
  onPremises: 'onpremises.yml',
  agentConfig: 'agent.yml',
  certificate: 'iot-certificate.pem.crt',
  privateKey: 'iot-private.pem.key',
  iotCa: 'iot-ca.pem',
} as const;

export type BundleIdentity =
  | { readonly mode: 'iam-session'; readonly arn: string }
  | { readonly mode: 'iam-user'; readonly arn: string; readonly accessKeyId: string; readonly secretAccessKey: string }
  | {
      readonly mode: 'iot';
      readonly arn: string;
      readonly thingName: string;
      readonly roleAlias: string;
      readonly dataEndpoint: string;
      readonly credentialsEndpoint: string;
      readonly certificatePem: string;
      readonly privateKeyPem: string;
      readonly caPem: string;
    };

const q = (v: string): string => JSON.stringify(v);

/** The bundle's files, by name (pure). */
export function renderBundle(region: string, id: BundleIdentity): Record<string, string> {
  const header = '# Written by fleetctl register. Holds secrets: keep it 0600 and root-owned.\n';
  if (id.mode === 'iam-session') {
    return {
      [BUNDLE_FILES.onPremises]: `${header}region: ${q(region)}\niam_session_arn: ${q(id.arn)}\naws_credentials_file: ${q(`${DEVICE_CONF_DIR}/credentials`)}\n`,
    };
  }
  if (id.mode === 'iam-user') {
    return {
      [BUNDLE_FILES.onPremises]: `${header}region: ${q(region)}\niam_user_arn: ${q(id.arn)}\naws_access_key_id: ${q(id.accessKeyId)}\naws_secret_access_key: ${q(id.secretAccessKey)}\n`,
    };
  }
  const file = (n: string): string => `${DEVICE_CONF_DIR}/${n}`;
  return {
    [BUNDLE_FILES.onPremises]:
      `${header}region: ${q(region)}\niot_thing_name: ${q(id.thingName)}\niot_role_alias: ${q(id.roleAlias)}\n` +
      `iot_credentials_endpoint: ${q(id.credentialsEndpoint)}\niot_certificate_file: ${q(file(BUNDLE_FILES.certificate))}\n` +
      `iot_private_key_file: ${q(file(BUNDLE_FILES.privateKey))}\niot_ca_file: ${q(file(BUNDLE_FILES.iotCa))}\n`,
    [BUNDLE_FILES.agentConfig]:
      `# Written by fleetctl register: the device's IoT connection (shadow health, telemetry).\niot:\n  endpoint: ${q(id.dataEndpoint)}\n  thing_name: ${q(id.thingName)}\n` +
      `  certificate_file: ${q(file(BUNDLE_FILES.certificate))}\n  private_key_file: ${q(file(BUNDLE_FILES.privateKey))}\n  ca_file: ${q(file(BUNDLE_FILES.iotCa))}\n`,
    [BUNDLE_FILES.certificate]: id.certificatePem,
    [BUNDLE_FILES.privateKey]: id.privateKeyPem,
    [BUNDLE_FILES.iotCa]: id.caPem,
  };
}

export interface BundleStore {
  readonly dir: string;
  /** Folder of a device's bundle. */
  pathOf(device: string): string;
  /** Whether every file is on disk with this content. */
  matches(device: string, files: Record<string, string>): boolean;
  /** Whether the bundle holds the files that carry the device's secret. */
  hasSecrets(device: string, mode: 'iam-user' | 'iot'): boolean;
  write(device: string, files: Record<string, string>): string;
  remove(device: string): void;
}

/** A device name is one path component inside the bundle folder: never `.`, `..`, a slash or a control character. */
export function bundleNameProblem(device: string): string | undefined {
  if (!INSTANCE_NAME.test(device) || device === '.' || device === '..') return `'${device}' cannot name a bundle folder`;
  return undefined;
}

function safe(device: string): string {
  const problem = bundleNameProblem(device);
  if (problem) throw new EdgeError('CLI_USAGE', `${problem} (instance names are letters, digits and + = , . @ _ -)`);
  return device;
}

/** The entry at `p` when it is a real folder (never a link); undefined when nothing is there. */
function folderAt(p: string): 'folder' | undefined {
  let st;
  try {
    st = lstatSync(p);
  } catch {
    return undefined;
  }
  if (st.isDirectory()) return 'folder';
  throw new EdgeError('CLI_USAGE', `${p} is in the way of a provisioning bundle (a ${st.isSymbolicLink() ? 'link' : 'file'}, not a folder): move it away`);
}

export function createBundleStore(dir: string, opts: { tar: boolean }): BundleStore {
  const pathOf = (device: string): string => join(dir, safe(device));
  const ensureDir = (): void => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  };
  const readable = (p: string): boolean => existsSync(p) && !lstatSync(p).isSymbolicLink();
  return {
    dir,
    pathOf,
    matches(device, files) {
      return Object.entries(files).every(([name, content]) => {
        const p = join(pathOf(device), name);
        return readable(p) && readFileSync(p, 'utf8') === content;
      });
    },
    hasSecrets(device, mode) {
      const need = mode === 'iot' ? [BUNDLE_FILES.onPremises, BUNDLE_FILES.privateKey, BUNDLE_FILES.certificate] : [BUNDLE_FILES.onPremises];
      return need.every((n) => readable(join(pathOf(device), n)));
    },
    write(device, files) {
      ensureDir();
      const folder = pathOf(device);
      // a link planted in the bundle folder must not send keys elsewhere: only a real folder is used
      if (!folderAt(folder)) mkdirSync(folder, { mode: 0o700 });
      chmodSync(folder, 0o700);
      for (const [name, content] of Object.entries(files)) writeFileAtomic(join(folder, name), content, { mode: 0o600 });
      if (opts.tar) {
        const tarPath = `${folder}.tar`;
        const tmp = `${tarPath}.tmp`;
        rmSync(tmp, { force: true });
        createTar({ file: tmp, cwd: dir, sync: true, portable: true, mode: 0o600 } as Parameters<typeof createTar>[0] & { sync: true; file: string }, [device]);
        chmodSync(tmp, 0o600);
        renameSync(tmp, tarPath);
        return tarPath;
      }
      return folder;
    },
    remove(device) {
      // rmSync removes a link itself, never what it points to
      rmSync(pathOf(device), { recursive: true, force: true });
      rmSync(`${pathOf(device)}.tar`, { force: true });
    },
  };
}
