#!/usr/bin/env node
// fleetctl composition root. Fleet registration and rollouts arrive with their issues; for now
// fleetctl offers the one thing the shared AppSpec model already supports: validating a bundle.
import { Command } from 'commander';
import { validateBundleCommand } from './commands/validate.js';

const program = new Command('fleetctl').description('fleet controller for edge-agent devices').version('0.1.0');
program
  .command('validate')
  .description('validate the AppSpec of a revision folder (or an AppSpec file) before release')
  .argument('<path>', 'revision folder or AppSpec file')
  .option('-A, --appspec-filename <name>', 'AppSpec file name inside a folder', 'appspec.yml')
  .option('--json', 'print one JSON document')
  .action((path: string, opts: { appspecFilename: string; json?: boolean }) => {
    const { code, output } = validateBundleCommand(path, { appspecFilename: opts.appspecFilename, json: opts.json === true });
    process.stdout.write(output);
    process.exitCode = code;
  });
program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`ERROR: ${(e as Error).message}\n`);
  process.exitCode = 2;
});
