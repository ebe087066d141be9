// Reported by fleetctl --version.
export const CONTROLLER_VERSION = '0.1.0';
