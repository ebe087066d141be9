// The fleet commands (register, deregister, ls, status), registered on the fleetctl program.
import type { Command } from 'commander';
import { deregisterCommand } from './deregister.js';
import { lsStatusCommands } from './ls-status.js';
import { registerCommand } from './register.js';

export function fleetCommands(program: Command): void {
  registerCommand(program);
  deregisterCommand(program);
  lsStatusCommands(program);
}
