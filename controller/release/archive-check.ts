// The device revision given as an archive (tgz, tar or zip): read in memory, never unpacked, and
// checked as `fleetctl validate` checks a folder: an AppSpec at the top (or in the one top folder,
// as the agent strips it), hook scripts and files sources present in the archive, scripts executable.
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { list } from 'tar';
import yauzl from 'yauzl';
import { HOOK_EVENTS, parseAppSpec } from '../../appspec/index.js';
import { customEventMessage, type ValidateFinding } from '../commands/validate.js';

export type BundleType = 'tgz' | 'tar' | 'zip';

interface ArchiveEntry {
  readonly type: 'dir' | 'file' | 'link';
  readonly executable: boolean;
}

interface ArchiveListing {
  readonly entries: ReadonlyMap<string, ArchiveEntry>;
  /** Contents of the AppSpec candidates (appspec.yml / appspec.yaml at the top or one folder down). */
  readonly appspecs: ReadonlyMap<string, string>;
}

const APPSPEC = /^(?:[^/]+\/)?appspec\.ya?ml$/;
const clean = (p: string): string => posix.normalize(p.replace(/^(\.\/)+/, '')).replace(/\/+$/, '');

/** The bundle type an archive's name says, or undefined when it says none CodeDeploy knows. */
export function bundleTypeOf(file: string): BundleType | undefined {
  const name = file.toLowerCase();
  if (name.endsWith('.tgz') || name.endsWith('.tar.gz')) return 'tgz';
  if (name.endsWith('.tar')) return 'tar';
  if (name.endsWith('.zip')) return 'zip';
  return undefined;
}

function listTar(file: string): ArchiveListing {
  const entries = new Map<string, ArchiveEntry>();
  const appspecs = new Map<string, string>();
  list({
    file,
    sync: true,
    strict: true,
    onReadEntry: (e) => {
      const path = clean(e.path);
      const type = e.type === 'Directory' ? 'dir' : e.type === 'SymbolicLink' ? 'link' : 'file';
      entries.set(path, { type, executable: ((e.mode ?? 0) & 0o111) !== 0 });
      if (type !== 'file' || !APPSPEC.test(path)) return;
      const chunks: Buffer[] = [];
      e.on('data', (c: Buffer) => chunks.push(c));
      e.on('end', () => appspecs.set(path, Buffer.concat(chunks).toString('utf8')));
    },
  });
  return { entries, appspecs };
}

function listZip(file: string): Promise<ArchiveListing> {
  const entries = new Map<string, ArchiveEntry>();
  const appspecs = new Map<string, string>();
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(readFileSync(file), { lazyEntries: true, strictFileNames: true }, (err, zip) => {
      if (err) return reject(err);
      zip.on('error', reject);
      zip.on('end', () => resolve({ entries, appspecs }));
      zip.on('entry', (e: yauzl.Entry) => {
        const mode = e.externalFileAttributes >>> 16;
        const dir = e.fileName.endsWith('/');
        const path = clean(e.fileName);
        entries.set(path, { type: dir ? 'dir' : (mode & 0o170000) === 0o120000 ? 'link' : 'file', executable: (mode & 0o111) !== 0 });
        if (dir || !APPSPEC.test(path)) return zip.readEntry();
        zip.openReadStream(e, (err2, stream) => {
          if (err2) return reject(err2);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            appspecs.set(path, Buffer.concat(chunks).toString('utf8'));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** The top of the revision inside the archive: '' or the one top folder holding the AppSpec. */
function revisionTop(listing: ArchiveListing): string | undefined {
  if (listing.appspecs.has('appspec.yml') || listing.appspecs.has('appspec.yaml')) return '';
  const tops = new Set([...listing.entries.keys()].filter((p) => p !== '.' && p !== '').map((p) => p.split('/')[0]));
  const [only] = tops;
  return tops.size === 1 && only !== undefined && [...listing.appspecs.keys()].some((p) => p.startsWith(`${only}/`)) ? `${only}/` : undefined;
}

type Finding = ValidateFinding;
const finding = (severity: Finding['severity'], code: string, message: string, path?: string): Finding => ({ severity, code, message, ...(path ? { path } : {}) });

/** The entry at an AppSpec path (relative to the revision top); folders exist when something lies under them. */
function entryAt(listing: ArchiveListing, top: string, p: string): ArchiveEntry | undefined {
  const rel = posix.normalize(p.replace(/^\/+/, ''));
  if (rel === '..' || rel.startsWith('../')) return undefined;
  if (rel === '.') return { type: 'dir', executable: true };
  const direct = listing.entries.get(`${top}${rel}`);
  if (direct) return direct;
  return [...listing.entries.keys()].some((k) => k.startsWith(`${top}${rel}/`)) ? { type: 'dir', executable: true } : undefined;
}

/** Findings for an archive revision, as `fleetctl validate` reports them for a folder. */
export async function checkRevisionArchive(file: string, bundleType: BundleType): Promise<Finding[]> {
  let listing: ArchiveListing;
  try {
    listing = bundleType === 'zip' ? await listZip(file) : listTar(file);
  } catch (e) {
    return [finding('error', 'ARCHIVE_INVALID', `not a readable ${bundleType} archive: ${(e as Error).message}`)];
  }
  const top = revisionTop(listing);
  const text = top === undefined ? undefined : (listing.appspecs.get(`${top}appspec.yml`) ?? listing.appspecs.get(`${top}appspec.yaml`));
  if (top === undefined || text === undefined) return [finding('error', 'APPSPEC_NOT_FOUND', `no appspec.yml or appspec.yaml at the top of ${file}`)];
  const result = parseAppSpec(text);
  const findings = result.warnings.map((w) => finding('warning', w.code, w.message, w.path));
  if (!result.ok) return [...findings, ...result.issues.map((i) => finding('error', i.code, i.message, i.path))];
  for (const [event, scripts] of Object.entries(result.appspec.hooks)) {
    if (!(HOOK_EVENTS as readonly string[]).includes(event)) findings.push(finding('warning', 'HOOK_EVENT_CUSTOM', customEventMessage(event), `hooks.${event}`));
    scripts.forEach((s, i) => {
      const where = `hooks.${event}[${i}].location`;
      const entry = entryAt(listing, top, s.location);
      if (!entry || entry.type === 'dir') findings.push(finding('error', 'HOOK_SCRIPT_MISSING', `Script does not exist at specified location: ${s.location}`, where));
      else if (!entry.executable) {
        findings.push(finding('warning', 'HOOK_SCRIPT_NOT_EXECUTABLE', `${s.location} is not executable; the agent will try chmod +x on each device`, where));
      }
    });
  }
  result.appspec.files.forEach((f, i) => {
    if (!entryAt(listing, top, f.source)) findings.push(finding('error', 'INSTALL_SOURCE_MISSING', `files source ${f.source} is not in the revision`, `files[${i}].source`));
  });
  return findings;
}
